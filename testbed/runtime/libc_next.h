/* libc_next.h: the libc function an interposer of libdmx stands in front of.
 *
 * REAL(fn) declares real_fn, the next definition of fn after libdmx's (dlsym(RTLD_NEXT)), looked up on the
 * first call. Without libc underneath nothing sensible can run, so a missing one aborts. */
#ifndef DMX_LIBC_NEXT_H
#define DMX_LIBC_NEXT_H

#include <dlfcn.h>
#include <stdlib.h>

#define REAL(fn) \
    static __typeof__(fn) *real_##fn; \
    if (__builtin_expect(!real_##fn, 0) && !(real_##fn = (__typeof__(fn) *)dlsym(RTLD_NEXT, #fn))) \
        abort()

#endif
