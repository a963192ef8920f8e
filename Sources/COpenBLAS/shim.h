#ifndef YDNN_COPENBLAS_SHIM_H
#define YDNN_COPENBLAS_SHIM_H
#include <cblas.h>
#include <cpuid.h>

/* Exported by OpenBLAS builds with DYNAMIC_ARCH (Debian's are): the kernel table
   is chosen by gotoblas_dynamic_init, which reads OPENBLAS_CORETYPE. */
char *openblas_get_corename(void);
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

/* What the CPU and the OS together support: 2 = AVX-512 F/DQ/BW/VL with the
   ZMM and opmask state enabled, 1 = AVX2 + FMA with the YMM state enabled, 0 = less. */
static inline int ydnn_vector_level(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!(fma && osxsave && avx)) return 0;
    unsigned lo, hi;
    __asm__ volatile ("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0x6) != 0x6) return 0;                /* XMM and YMM state */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    if (!avx2) return 0;
    int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
    if (avx512 && (lo & 0xE0) == 0xE0) return 2;    /* opmask, ZMM_Hi256, Hi16_ZMM */
    return 1;
}
#endif
