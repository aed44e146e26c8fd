//! Several hosts on one machine: network namespaces, each joined to a bridge
//! by a veth pair, on a /24 of their own. Dropping it deletes them (and with
//! them their veths) and the bridge.

use std::process::Command;

pub struct Net {
    bridge: String,
    names: Vec<String>,
    subnet: String,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Net {
    /// `hosts` namespaces; the bridge is 10.213.X.1 and host `i` is
    /// 10.213.X.(i+2). `None` when this process may not make namespaces
    /// (not root, or no `ip`): skipped outside CI, a failure under it.
    pub fn new(hosts: usize) -> Option<Self> {
        // SAFETY: a plain getter.
        let root = unsafe { libc::geteuid() } == 0;
        if !super::prerequisite::available(
            "network namespaces",
            (!root).then(|| "not root".to_owned()),
            "run as root, with `ip` (iproute2; .ci/run installs it)",
        ) || !super::prerequisite::available(
            "network namespaces",
            super::prerequisite::missing_program("ip"),
            "apt-get install iproute2 (.ci/run installs it)",
        ) {
            return None;
        }
        let id = std::process::id();
        let net = Self {
            bridge: format!("sobr{}", id % 100_000),
            names: (0..hosts).map(|i| format!("so{id}h{i}")).collect(),
            subnet: format!("10.213.{}", id % 250),
        };
        net.build()
            .unwrap_or_else(|e| panic!("building the namespaces: {e}"));
        Some(net)
    }

    fn build(&self) -> Result<(), String> {
        let b = self.bridge.as_str();
        ip(&["link", "add", b, "type", "bridge"])?;
        ip(&["link", "set", b, "up"])?;
        ip(&["addr", "add", &format!("{}.1/24", self.subnet), "dev", b])?;
        for (i, ns) in self.names.iter().enumerate() {
            let veth = format!("{ns}v");
            ip(&["netns", "add", ns])?;
            ip(&[
                "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", ns,
            ])?;
            ip(&["link", "set", &veth, "master", b, "up"])?;
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("{}/24", self.addr(i)),
                "dev",
                "eth0",
            ])?;
            ip(&["-n", ns, "link", "set", "eth0", "up"])?;
            ip(&["-n", ns, "link", "set", "lo", "up"])?;
        }
        Ok(())
    }

    /// Host `i`'s address.
    pub fn addr(&self, i: usize) -> String {
        format!("{}.{}", self.subnet, i + 2)
    }

    /// `program args…` to run inside host `i`.
    pub fn command(&self, i: usize, program: &std::path::Path) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.names[i]]).arg(program);
        cmd
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in &self.names {
            let _ = ip(&["netns", "del", ns]);
        }
        let _ = ip(&["link", "del", &self.bridge]);
    }
}
