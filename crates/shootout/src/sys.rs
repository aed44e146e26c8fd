//! Every call into libc, in one place, each with its safety argument.
//!
//! shootout needs a few things the standard library does not offer: CPU
//! affinity, process groups and signals to them, a parent-death signal, the
//! open-files limit, resource usage, timer slack, and the page cache. Keeping
//! them here means the rest of the tree is free of `unsafe`.

use std::io;

pub mod uring;

/// Signals shootout sends to process groups.
pub use libc::{SIGHUP, SIGINT, SIGKILL, SIGTERM};

/// CPU seconds (user + system) of this process (`Who::Myself`) or of its
/// waited-for children (`Who::Children`), from `getrusage`.
pub fn cpu_seconds(who: Who) -> f64 {
    let who = match who {
        Who::Myself => libc::RUSAGE_SELF,
        Who::Children => libc::RUSAGE_CHILDREN,
    };
    // SAFETY: getrusage fills the zeroed struct it is given.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(who, &mut usage) != 0 {
            return 0.0;
        }
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }
}

/// Whose resource usage [`cpu_seconds`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Myself,
    Children,
}

/// The soft open-files limit (which children inherit).
pub fn open_files_limit() -> u64 {
    // SAFETY: getrlimit fills the zeroed struct it is given.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur
        } else {
            0
        }
    }
}

/// Raises the soft open-files limit to the hard one, and the hard one to
/// `wanted` where the process may (it needs CAP_SYS_RESOURCE). Returns the
/// soft limit in force afterwards.
pub fn raise_open_files_limit(wanted: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit on a zeroed, then filled, struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 0;
        }
        if limit.rlim_max < wanted {
            let raised = libc::rlimit {
                rlim_cur: wanted,
                rlim_max: wanted,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return wanted;
            }
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
    open_files_limit()
}

/// Sends `signal` to every process of group `pgid`.
pub fn kill_group(pgid: i32, signal: i32) {
    // SAFETY: plain syscall; a negative pid addresses the process group.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Makes the child `command` will start a process group of its own (so it
/// and everything it starts can be signalled at once), SIGKILLed when
/// shootout dies (even by SIGKILL), and pinned to `cpus` if given.
pub fn isolate_on_spawn(command: &mut std::process::Command, cpus: Option<Vec<usize>>) {
    isolate_on_spawn_with(command, cpus, libc::SIGKILL);
}

/// [`isolate_on_spawn`] with another parent-death signal: SIGTERM for a
/// process that must clean up after itself (the PostgreSQL keeper).
pub fn isolate_on_spawn_with(
    command: &mut std::process::Command,
    cpus: Option<Vec<usize>>,
    death_signal: i32,
) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure makes only async-signal-safe
    // syscalls (setpgid, prctl, sched_setaffinity) and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            if libc::setpgid(0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            libc::prctl(libc::PR_SET_PDEATHSIG, death_signal);
            if let Some(cpus) = &cpus {
                pin_current(cpus)?;
            }
            Ok(())
        });
    }
}

/// The CPUs this process may run on, or `None` if the kernel will not say.
pub fn affinity() -> Option<Vec<usize>> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity fills it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return None;
        }
        let cpus: Vec<usize> = (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect();
        (!cpus.is_empty()).then_some(cpus)
    }
}

/// Pins the calling thread (or, between fork and exec, the child) to `cpus`.
/// Async-signal-safe.
pub fn pin_current(cpus: &[usize]) -> io::Result<()> {
    // SAFETY: plain syscall on a zeroed, filled cpu_set_t.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &c in cpus {
            libc::CPU_SET(c, &mut set);
        }
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Clock ticks per second, for `/proc/PID/stat` times.
pub fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// The memory page size, for `/proc/PID/stat` RSS.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 } else { 4096 }
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Flushes dirty pages to disk (before dropping the page cache).
pub fn sync() {
    // SAFETY: sync has no preconditions.
    unsafe { libc::sync() };
}

/// Sets the calling thread's timer slack to 1 µs, so sleeps end on time
/// instead of up to 50 µs late (the default slack).
pub fn set_timer_slack_1us() {
    // SAFETY: prctl(PR_SET_TIMERSLACK) takes a plain integer.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1000 as libc::c_ulong);
    }
}

/// `--quiet`: points this process's stderr (fd 2, inherited by what it
/// starts) at /dev/null and returns a handle on the stderr it had, for the
/// one error that ends the command.
pub fn silence_stderr() -> io::Result<std::fs::File> {
    use std::os::fd::{AsFd, AsRawFd};
    let original = io::stderr().as_fd().try_clone_to_owned()?;
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    // SAFETY: dup2 on two descriptors this process owns; fd 2 is replaced atomically.
    if unsafe { libc::dup2(null.as_raw_fd(), 2) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(std::fs::File::from(original))
}

/// The effective user id (0: root).
pub fn euid() -> u32 {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() }
}

/// Makes this process adopt its descendants' orphans, so that it can wait
/// for every one of them ([`reap_children`]).
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Waits until this process has no children left, or `timeout` passes.
/// Returns whether none is left.
pub fn reap_children(timeout: std::time::Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes the status into the integer it is given.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        if pid < 0 {
            return io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD);
        }
        if pid == 0 {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// Sends `signal` to one process.
pub fn kill_process(pid: u32, signal: i32) {
    // SAFETY: kill with a pid and a signal number.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

/// Arms socket `fd` to close with a RST instead of a FIN (`SO_LINGER` 0), as
/// a crashed or misbehaving peer does. A zero linger never blocks the close.
pub fn reset_on_close(fd: i32) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: setsockopt with a valid pointer to a linger of the stated size;
    // on a stale fd it fails with EBADF and nothing else happens.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Makes the child `command` will start write itself into each of `procs`
/// (open `cgroup.procs` files, kept open by the caller until the spawn has
/// returned) before it execs, so it runs inside those cgroups from its first
/// instruction.
pub fn join_cgroups_on_spawn(command: &mut std::process::Command, procs: Vec<i32>) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure only calls write(2) on file
    // descriptors opened before the fork, and allocates nothing.
    unsafe {
        command.pre_exec(move || {
            for &fd in &procs {
                // "0" is the writing process itself.
                if libc::write(fd, b"0\n".as_ptr().cast(), 2) < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Makes the character device `path` (`major`, `minor`), mode 0666, as a
/// container runtime populates an image's `/dev`.
pub fn make_char_device(path: &std::path::Path, major: u32, minor: u32) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: mknod with a NUL-terminated path that outlives the call.
    let rc = unsafe {
        libc::mknod(
            c.as_ptr(),
            libc::S_IFCHR | 0o666,
            libc::makedev(major, minor),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // The umask narrowed the mode: set it as asked.
    // SAFETY: chmod with the same valid path.
    if unsafe { libc::chmod(c.as_ptr(), 0o666) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
