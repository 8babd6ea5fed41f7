//! Links GCC's unwinder statically, so starting the binary does not load
//! `libgcc_s.so.1`, and the C library too: the binary is a static PIE, and
//! starting it maps nothing but itself (see the `setup-stamp-build` crate).

fn main() {
    setup_stamp_build::link_unwinder_statically();
    setup_stamp_build::link_libc_statically();
}
