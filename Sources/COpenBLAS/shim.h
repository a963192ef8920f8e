#ifndef YDNN_COPENBLAS_SHIM_H
#define YDNN_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
