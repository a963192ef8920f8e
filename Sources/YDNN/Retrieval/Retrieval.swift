// Retrieval: the half of the library that turns user and item vectors into
// recommendations. It knows nothing of the model or of the language; the command
// layer binds commands to these entry points:
//
//   vectors users|items "path" [format=] [lsh=]
//       VectorSet.userVectors(denseOutput:), VectorSet.itemVectors(bias:weights:)
//       SimpleLSH.transformUsers(_:), SimpleLSH.transformItems(_:form:)   (lsh=on)
//       VectorExport.write(_:to:format:keys:token:), VectorFileFormat(path:)
//   index exact | lsh tables= bits= | hnsw m= ef_construction= ef=
//       ExactIndex(items:metric:)
//       LSHIndex(items:tables:bits:metric:seed:probes:token:)
//       HNSWIndex.build(items:metric:parameters:threads:token:progress:), HNSWIndex.ef
//       index.save(to:), IndexFile.load(path:)              (any index)
//       IndexEvaluation.groundTruth(...), IndexEvaluation.evaluate(...)  (recall@K, q/s)
//   recall USER top=K / similar ITEM top=K
//       index.search(_:k:excluding:)            (exclude the item itself for `similar`)
//   evaluate hr@K ndcg@K mrr
//       TargetRanking.ranks(users:items:targets:seen:threads:token:)   exact, all items
//       TargetRanking.ranks(rankedLists:targets:seen:)           through an ANN index
//       RankingEvaluation(ranks:metrics:excludedSeen:)           means + per-user values
//       PopularityRanker(trainingItems:itemCount:).ranks(targets:seen:)   the baseline
//   popular top=N
//       PopularityRanker.top(_:excluding:)
//   mine "path" top=N
//       Mining.mine(index:users:top:to:userKeys:itemKeys:seen:threads:block:token:progress:)
//
// Conventions: every index returns best-first `ScoredItem`s; equal scores are
// ordered by lower item index, so results never depend on timing or threads.
// Files are written atomically (AtomicFileWriter: temporary file + rename).
// Long calls take a `CancellationToken` (see YDNNSignals for the rule) and throw
// `Cancelled`; the trainer instead stops after its batch with outcome .interrupted.
