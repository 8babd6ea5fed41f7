//! Links GCC's unwinder statically, so starting the binary does not load
//! `libgcc_s.so.1` (see the `setup-stamp-build` crate).

fn main() {
    setup_stamp_build::link_unwinder_statically();
}
