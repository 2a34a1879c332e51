package dev.sluice.nativeapi;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The thin JavaCPP binding of {@code native/include/sluice/sluice.h}: one method per C function, no
 * policy. Every {@code int} returned is an {@code sl_status}; callers go through {@link NativeStatus#check}.
 * This is the only {@code @Platform} class, so JavaCPP builds exactly one JNI library.
 */
@Platform(include = "sluice/sluice.h", link = "sluice")
public final class SluiceNative {
    static {
        Loader.load();
    }

    private SluiceNative() {}

    // ---- Status and errors ----
    public static native String sl_last_error();

    public static native String sl_status_name(@Cast("sl_status") int status);

    public static native String sl_version();

    // ---- Backends and devices ----
    public static native int sl_device_count(IntPointer count);

    public static native int sl_device_get(int index, DeviceInfo info);

    public static native String sl_cuda_unavailable_reason();

    /** {@code sl_device_info}. */
    @Name("sl_device_info")
    public static final class DeviceInfo extends Pointer {
        static {
            Loader.load();
        }

        public DeviceInfo() {
            super((Pointer) null);
            allocate();
        }

        private native void allocate();

        @MemberGetter
        public native int backend();

        @MemberGetter
        public native int ordinal();

        @MemberGetter
        public native @Cast("const char*") BytePointer name();

        @MemberGetter
        public native int compute_major();

        @MemberGetter
        public native int compute_minor();

        @MemberGetter
        public native @Cast("uint64_t") long total_memory();

        @MemberGetter
        public native @Cast("uint64_t") long free_memory();

        @MemberGetter
        public native int cores();

        @MemberGetter
        public native int features();
    }
}
