/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The little that lets one C header compile unchanged as C17 (clang -target bpf), as C++20
 * (g++ with -Wold-style-cast -Wconversion) and as hosted C. BPF objects are freestanding: the
 * libc <stdint.h> drags in glibc's multilib headers, which do not exist for the bpf target, so
 * there the fixed-size types come straight from the compiler's predefined macros.
 */
#ifndef SLUICE_DATAPLANE_SHARED_C_COMPAT_H
#define SLUICE_DATAPLANE_SHARED_C_COMPAT_H

#if defined(__bpf__)
/* C11 allows repeating a typedef of the same type, so a program that also gets these from
 * elsewhere still compiles. */
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INT8_TYPE__ int8_t;
typedef __INT32_TYPE__ int32_t;
#define SLUICE_OFFSETOF(type, member) __builtin_offsetof(type, member)
#else
#include <stddef.h>
#include <stdint.h>
#define SLUICE_OFFSETOF(type, member) offsetof(type, member)
#endif

#if defined(__cplusplus)
#define SLUICE_STATIC_ASSERT(condition, message) static_assert(condition, message)
#define SLUICE_CAST(type, expression) static_cast<type>(expression)
#define SLUICE_NULL nullptr
#else
#define SLUICE_STATIC_ASSERT(condition, message) _Static_assert(condition, message)
#define SLUICE_CAST(type, expression) ((type)(expression))
#define SLUICE_NULL ((void *)0)
#endif

/* BPF has no real calls between static functions in older kernels' verifiers without BTF func
 * info, and inlining lets the verifier see constant bounds: force it there. */
#if defined(__bpf__)
#define SLUICE_INLINE static inline __attribute__((always_inline))
#else
#define SLUICE_INLINE static inline
#endif

/* A compiler barrier: stores before it are emitted before stores after it. The XDP program's
 * CPUs share a flow record without locks; on x86-64 (TSO) emitting a publishing store last is
 * what makes the fields before it visible first (syn_proxy.h, sl_sp_backend_synack). */
#define SLUICE_COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")

#endif /* SLUICE_DATAPLANE_SHARED_C_COMPAT_H */
