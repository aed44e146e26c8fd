//! A test that needs something the harness does not provision (a Debian
//! package, writable cgroups, network namespaces, Chromium): outside CI it
//! reports itself skipped with the install hint and passes; under `CI=true`
//! (`.ci/run` installs what it can) it fails with the same message.

/// Running in CI (`CI=true` or `CI=1`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `true` when the test may go on. When `missing` is `Some(why)`: under CI
/// a panic naming what is missing and how to install it; outside CI a
/// `skipped:` line on stderr and `false`.
#[must_use]
pub fn available(what: &str, missing: Option<String>, hint: &str) -> bool {
    let Some(why) = missing else { return true };
    let message = format!("{what} is not available here ({why}); hint: {hint}");
    assert!(!in_ci(), "CI=true: {message}");
    eprintln!("skipped: {message}");
    false
}

/// `Some(reason)` when `program` is not on PATH.
pub fn missing_program(program: &str) -> Option<String> {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    (!found).then(|| format!("no `{program}` on PATH"))
}

/// Whether the io_uring path can be tested here: skipped with the reason
/// outside CI, a failure under `CI=true`.
pub fn uring() -> bool {
    available(
        "io_uring",
        shootout::sys::uring::unavailable(),
        "Linux 5.11+ with io_uring allowed (sysctl kernel.io_uring_disabled=0; \
         in a container, a seccomp profile that permits io_uring_setup)",
    )
}
