//! Setting up the ring: whether the kernel lets the generator use io_uring
//! at all, and the target's address in the form a connect reads.

use std::net::SocketAddr;

use io_uring::{IoUring, opcode};

/// Why io_uring cannot be used here, or `None` when it can: the kernel may
/// lack it, forbid it (`kernel.io_uring_disabled`, seccomp in containers) or
/// lack one of the operations the generator needs.
pub fn unavailable() -> Option<String> {
    let ring = match IoUring::new(8) {
        Ok(r) => r,
        Err(e) => return Some(format!("io_uring_setup failed: {e}")),
    };
    if !ring.params().is_feature_ext_arg() {
        return Some("the kernel's io_uring has no timed wait (IORING_FEAT_EXT_ARG, 5.11)".into());
    }
    let mut probe = io_uring::Probe::new();
    if let Err(e) = ring.submitter().register_probe(&mut probe) {
        return Some(format!("io_uring probe failed: {e}"));
    }
    for (code, name) in [
        (opcode::Connect::CODE, "connect"),
        (opcode::Send::CODE, "send"),
        (opcode::Recv::CODE, "recv"),
    ] {
        if !probe.is_supported(code) {
            return Some(format!("the kernel's io_uring has no {name}"));
        }
    }
    None
}

pub(super) fn sockaddr(
    addr: SocketAddr,
) -> (Box<libc::sockaddr_storage>, libc::socklen_t, libc::c_int) {
    // SAFETY: sockaddr_storage is plain data, valid when zeroed, and large
    // and aligned enough for either sockaddr_in or sockaddr_in6.
    let mut storage: Box<libc::sockaddr_storage> = Box::new(unsafe { std::mem::zeroed() });
    let ptr = &mut *storage as *mut libc::sockaddr_storage;
    match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: see above: the storage holds a sockaddr_in.
            unsafe { std::ptr::write(ptr.cast::<libc::sockaddr_in>(), sin) };
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            (storage, len, libc::AF_INET)
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: see above: the storage holds a sockaddr_in6.
            unsafe { std::ptr::write(ptr.cast::<libc::sockaddr_in6>(), sin6) };
            let len = std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            (storage, len, libc::AF_INET6)
        }
    }
}
