#include <cblas.h>

// openblas_set_num_threads is declared in cblas.h by OpenBLAS; we call it to keep sgemm single-threaded
// and parallelise across batches instead.
