# Shared helpers for scripts/* and rootfs/* (bash; sourced, never executed).
# shellcheck shell=bash
# shellcheck disable=SC2034 # the RK_* variables are for the scripts sourcing this.

RK_ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
# Downloads live outside the tree so a fresh clone (or `git clean`) keeps them.
RK_CACHE=${RKERNEL_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/rkernel}
RK_BUILD=$RK_ROOT/build
RK_PROG=${RK_PROG:-$(basename -- "$0")}

rk_target_dir() {
    local dir=${CARGO_TARGET_DIR:-target}
    # cargo resolves a relative CARGO_TARGET_DIR against its cwd, and we always
    # run cargo from the repository root.
    case $dir in
        /*) printf '%s\n' "$dir" ;;
        *) printf '%s\n' "$RK_ROOT/$dir" ;;
    esac
}

RK_KERNEL_ELF=$(rk_target_dir)/x86_64-unknown-none/release/kernel
RK_INITRD=$RK_BUILD/initramfs.cpio.gz
# Alpine 3.23 root disks made by rootfs/alpine-images: the stock ext4 image and
# an ext2 copy of its tree.
RK_ALPINE_EXT4=$RK_BUILD/alpine-ext4.img
RK_ALPINE_EXT2=$RK_BUILD/alpine-ext2.img
# What the reference Linux boots those disks with (rootfs/linux-disk-initrd).
RK_LINUX_DISK_INITRD=$RK_BUILD/linux-disk.initrd

rk_log() { printf '%s: %s\n' "$RK_PROG" "$*" >&2; }
# Exit status of rk_die; scripts/run uses 255 so that harness failures cannot
# be mistaken for the guest command's own status.
RK_DIE_STATUS=1
rk_die() {
    rk_log "error: $*"
    exit "$RK_DIE_STATUS"
}

# rk_need TOOL... — fail early with a pointer to scripts/setup.
rk_need() {
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || rk_die "'$t' not found; run scripts/setup"
    done
}

rk_build_kernel() {
    rk_need cargo
    (cd "$RK_ROOT" && cargo build -p kernel --target x86_64-unknown-none --release) ||
        rk_die "kernel build failed"
}

rk_build_initramfs() {
    "$RK_ROOT/rootfs/build-initramfs" || rk_die "initramfs build failed"
}
