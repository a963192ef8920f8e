#ifndef YDNN_CEDITLINE_SHIM_H
#define YDNN_CEDITLINE_SHIM_H
// libedit's readline-compatible API. Variadic C functions are not callable from
// Swift, so any we need get a static inline wrapper here.
#include <stdio.h>
#include <stdlib.h>
#include <editline/readline.h>
#endif
