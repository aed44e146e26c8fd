//! Measures what the resource sampler costs: it samples a sleeping child
//! process at 20 Hz for SECONDS and reports the sampler's CPU time as a
//! share of one CPU (the rest of this process is idle meanwhile).
//! Usage: sampler_cost [SECONDS] [PROCESSES]. Used by bench/supervisor.sh.

use std::process::Command;
use std::time::{Duration, Instant};

use shootout::supervise::sampler::Sampler;

fn cpu_seconds() -> f64 {
    shootout::sys::cpu_seconds(shootout::sys::Who::Myself)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let children: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    // A process tree: a shell that starts `children` sleepers.
    let script = format!("for i in $(seq {children}); do sleep 3600 & done; wait");
    let mut root = Command::new("sh")
        .args(["-c", &script])
        .spawn()
        .expect("spawn sh");
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_seconds();
    let start = Instant::now();
    let sampler = Sampler::start(root.id(), Duration::from_millis(50), None);
    std::thread::sleep(Duration::from_secs(seconds));
    let samples = sampler.finish();
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - before;
    let processes = samples.last().map_or(0, |s| s.processes);
    println!(
        "sampler at 20 Hz on a tree of {processes} processes: {} samples in {wall:.1} s, {:.3} CPU-s = {:.3}% of one CPU (target < 1%)",
        samples.len(),
        cpu,
        cpu / wall * 100.0
    );
    let _ = Command::new("pkill")
        .args(["-P", &root.id().to_string()])
        .status();
    let _ = root.kill();
    let _ = root.wait();
}
