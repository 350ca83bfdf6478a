package org.speclab.engine.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Native memory that ends where an unreadable page begins (mmap + mprotect, Linux): a read past its end faults. Never freed (tests only). */
final class GuardedMemory {
    private static final long PAGE = 4096;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MPROTECT = LINKER.downcallHandle(LINKER.defaultLookup().find("mprotect").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    private GuardedMemory() {}

    /** {@code bytes} (rounded up to 64, so 64-byte aligned) whose last byte is the last readable one. */
    static MemorySegment beforeUnreadablePage(long bytes) {
        long size = (bytes + 63) / 64 * 64, pages = (size + PAGE - 1) / PAGE * PAGE;
        try {
            MemorySegment base = ((MemorySegment) MMAP.invokeExact(MemorySegment.NULL, pages + PAGE, 3 /* read, write */,
                    0x22 /* private, anonymous */, -1, 0L)).reinterpret(pages + PAGE);
            if (base.address() == -1L) throw new IllegalStateException("mmap failed");
            if ((int) MPROTECT.invokeExact(base.asSlice(pages), PAGE, 0 /* none */) != 0) throw new IllegalStateException("mprotect failed");
            return base.asSlice(pages - size, size);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
