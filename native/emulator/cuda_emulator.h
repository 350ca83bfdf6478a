// A CPU emulation of the small part of CUDA that native/kernels.cu uses, so that the kernels and
// the Java engine driving them are tested on machines without a GPU (CudaEmulatorTest):
//   g++ -O2 -std=c++17 -shared -fPIC -ffp-contract=off -DSPECLAB_EMULATOR \
//       -include native/emulator/cuda_emulator.h -x c++ native/kernels.cu -o libspeclab_emu.so
// Blocks run one after another; the threads of a block run as fibers on one OS thread, switching
// at __syncthreads, so __shared__ arrays can simply be static. On x86-64 a fiber switch is a few
// instructions (below); elsewhere ucontext's, which costs a system call per switch. A block whose threads do
// not all reach the same barriers is reported as an error (kernels.cu guards work, not barriers).
// Floating point is the host's, so results match the GPU's to rounding, not bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include <ucontext.h>

#if defined(__x86_64__)
// Saves the callee-saved registers on the current stack, stores its pointer in *from, and resumes
// the stack `to` (which was left the same way, or prepared by emu::prepare).
extern "C" void emu_switch(void** from, void* to);
asm(R"(
.text
.globl emu_switch
.type emu_switch,@function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
)");
#define EMU_FAST_SWITCH 1
#endif

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

struct emu_dim3 { unsigned x, y, z; };
inline emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static

inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __uint_as_float(u32 u) { float f; std::memcpy(&f, &u, 4); return f; }
inline u32 __float_as_uint(float f) { u32 u; std::memcpy(&u, &f, 4); return u; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline int min(int a, int b) { return a < b ? a : b; }
// the threads of a block take turns on one OS thread, switching only at __syncthreads: plain adds are atomic
inline u32 atomicAdd(u32* a, u32 v) { u32 old = *a; *a = old + v; return old; }

/** IEEE half to float, subnormals included (what cvt.f32.f16 does on the device). */
inline float h2f(u16 h) {
    u32 sign = (u32)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023;
    if (exp == 31) return __uint_as_float(sign | 0x7f800000u | (man << 13));
    if (exp == 0) {
        float f = std::ldexp((float)man, -24);
        return sign ? -f : f;
    }
    return __uint_as_float(sign | ((exp + 112) << 23) | (man << 13));
}

namespace emu {
struct Fiber {
    ucontext_t ctx;
    void* sp;
    bool done;
};
inline ucontext_t scheduler;
inline void* schedulerSp;
inline std::vector<Fiber> fibers;
inline std::vector<char> stacks;
inline unsigned current;
inline std::function<void()> body;
constexpr size_t STACK = 64 * 1024;

inline void yield() {
#ifdef EMU_FAST_SWITCH
    emu_switch(&fibers[current].sp, schedulerSp);
#else
    swapcontext(&fibers[current].ctx, &scheduler);
#endif
}

inline void resume(unsigned i) {
#ifdef EMU_FAST_SWITCH
    emu_switch(&schedulerSp, fibers[i].sp);
#else
    swapcontext(&scheduler, &fibers[i].ctx);
#endif
}

inline void entry() {
    body();
    fibers[current].done = true;
    yield();
}

/** A fresh fiber on `stack`: the first resume "returns" into entry with the ABI's stack alignment. */
inline void prepare(Fiber& f, char* stack) {
    f.done = false;
#ifdef EMU_FAST_SWITCH
    uintptr_t top = ((uintptr_t)(stack + STACK)) & ~(uintptr_t)15;
    void** sp = (void**)(top - 16);
    sp[0] = (void*)&entry;  // where emu_switch's ret goes; entry then sees rsp ≡ 8 (mod 16), as after a call
    sp -= 6;                 // r15, r14, r13, r12, rbx, rbp
    for (int i = 0; i < 6; i++) sp[i] = nullptr;
    f.sp = sp;
#else
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = stack;
    f.ctx.uc_stack.ss_size = STACK;
    f.ctx.uc_link = nullptr;
    makecontext(&f.ctx, entry, 0);
#endif
}

inline std::map<std::string, std::function<void(void**)>>& registry() {
    static std::map<std::string, std::function<void(void**)>> r;
    return r;
}

template <class... A, size_t... I>
void call(void (*f)(A...), void** a, std::index_sequence<I...>) {
    f(*static_cast<typename std::remove_reference<A>::type*>(a[I])...);
}

template <class... A>
std::function<void(void**)> wrap(void (*f)(A...)) {
    return [f](void** a) { call(f, a, std::index_sequence_for<A...>{}); };
}

struct Registrar {
    Registrar(const char* name, std::function<void(void**)> f) { registry()[name] = std::move(f); }
};
}  // namespace emu

inline void __syncthreads() { emu::yield(); }

#define EMU_REGISTER(name) static emu::Registrar emu_reg_##name(#name, emu::wrap(&name));

/** Runs kernel {@code name} on a grid of gx × gy blocks of bx threads; 0, or -1 with a message in err. */
extern "C" int emu_launch(const char* name, int gx, int gy, int bx, void** args, char* err, int errLen) {
    static std::mutex lock;
    std::lock_guard<std::mutex> g(lock);
    auto it = emu::registry().find(name);
    if (it == emu::registry().end()) {
        std::snprintf(err, errLen, "no kernel named %s", name);
        return -1;
    }
    if (bx < 1 || bx > 1024 || gx < 1 || gy < 1) {
        std::snprintf(err, errLen, "%s: bad launch %d x %d blocks of %d threads", name, gx, gy, bx);
        return -1;
    }
    if (emu::stacks.size() < (size_t)bx * emu::STACK) emu::stacks.resize((size_t)bx * emu::STACK);
    emu::fibers.resize(bx);
    std::function<void(void**)> kernel = it->second;
    emu::body = [&] { kernel(args); };
    gridDim = {(unsigned)gx, (unsigned)gy, 1};
    blockDim = {(unsigned)bx, 1, 1};
    for (int y = 0; y < gy; y++) {
        for (int x = 0; x < gx; x++) {
            blockIdx = {(unsigned)x, (unsigned)y, 0};
            for (int i = 0; i < bx; i++) emu::prepare(emu::fibers[i], emu::stacks.data() + (size_t)i * emu::STACK);
            for (;;) {
                int waiting = 0, finished = 0;
                for (int i = 0; i < bx; i++) {
                    if (emu::fibers[i].done) continue;
                    emu::current = i;
                    threadIdx = {(unsigned)i, 0, 0};
                    emu::resume(i);
                    if (emu::fibers[i].done) finished++; else waiting++;
                }
                if (waiting == 0) break;
                if (finished > 0) {
                    std::snprintf(err, errLen, "%s: block (%d,%d): %d threads exited while %d wait at __syncthreads", name, x, y, finished, waiting);
                    return -1;
                }
            }
        }
    }
    return 0;
}
