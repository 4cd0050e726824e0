//! A throwaway PostgreSQL cluster on a free port: with password (SCRAM) authentication, the only
//! way to test a failed login, since the shared server trusts everyone; or trusting, from the
//! server binaries of a chosen major, to test every version the README claims.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TempCluster {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    pub port: u16,
    run_as: Option<&'static str>,
}

/// Debian keeps the server binaries off PATH, in a versioned folder.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}

/// Where `.ci/postgres-servers.sh` unpacks the majors Debian does not ship, one folder each.
fn unpacked_servers() -> PathBuf {
    std::env::var_os("HOTIDX_PG_SERVERS")
        .map_or_else(|| PathBuf::from("/var/tmp/hotidx-pg"), PathBuf::from)
}

/// The server binaries of `major`: Debian's when installed, else the ones the CI script unpacked.
fn server_bin_of(major: u32) -> Result<PathBuf, String> {
    let debian = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"));
    let unpacked = unpacked_servers().join(major.to_string()).join("bin");
    [&debian, &unpacked]
        .into_iter()
        .find(|bin| bin.join("initdb").exists())
        .cloned()
        .ok_or_else(|| {
            format!(
                "no initdb in {} or {}",
                debian.display(),
                unpacked.display()
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl TempCluster {
    /// A cluster where `superuser` logs in with `password` (SCRAM).
    pub fn start(superuser: &str, password: &str) -> Option<TempCluster> {
        Self::init(superuser, Some(password))
    }

    /// A cluster that trusts local TCP connections, for fault tests.
    pub fn start_trusting(superuser: &str) -> Option<TempCluster> {
        Self::init(superuser, None)
    }

    /// A cluster of PostgreSQL `major` where `postgres` logs in without a password. Without
    /// that major's binaries: a failure under CI (the README claims the version, so CI tests
    /// it), `None` elsewhere.
    pub fn start_major(major: u32) -> Option<TempCluster> {
        match server_bin_of(major) {
            Ok(bin) => Some(Self::init_from(bin, "postgres", None)),
            Err(why) if super::under_ci() => {
                panic!(
                    "PostgreSQL {major} is required under CI: {why}; run .ci/postgres-servers.sh"
                )
            }
            Err(why) => {
                eprintln!(
                    "SKIPPED: PostgreSQL {major} ({why}); .ci/postgres-servers.sh fetches it"
                );
                None
            }
        }
    }

    pub fn url(&self, user: &str, database: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/{database}", self.port)
    }

    /// `pg_ctl stop -m fast`: sessions are terminated, as in a real shutdown.
    pub fn stop_fast(&self) {
        self.run(
            "pg_ctl",
            &["-D", path(&self.data), "-m", "fast", "-w", "stop"],
        );
    }

    pub fn restart(&self) {
        self.start_server();
    }

    fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            path(self._dir.path())
        );
        let log = self._dir.path().join("log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                path(&self.data),
                "-o",
                &options,
                "-l",
                path(&log),
                "-w",
                "start",
            ],
        );
    }

    /// `None` (or a panic under CI) when the server binaries are not installed.
    fn init(superuser: &str, password: Option<&str>) -> Option<TempCluster> {
        let Some(bin) = server_bin() else {
            return super::skip_without_postgres("no initdb under /usr/lib/postgresql")
                .map(|_| unreachable!());
        };
        Some(Self::init_from(bin, superuser, password))
    }

    fn init_from(bin: PathBuf, superuser: &str, password: Option<&str>) -> TempCluster {
        // initdb refuses to run as root: run the server as the `postgres` system user then.
        let run_as = is_root().then_some("postgres");
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, password.unwrap_or("unused")).expect("pwfile");
        let auth = if password.is_some() {
            "--auth=scram-sha-256"
        } else {
            "--auth=trust"
        };
        if let Some(user) = run_as {
            chown_recursive(dir.path(), user);
        }
        let cluster = TempCluster {
            data,
            bin,
            port: free_port(),
            run_as,
            _dir: dir,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                path(&cluster.data),
                "-U",
                superuser,
                auth,
                "--pwfile",
                path(&pwfile),
                "--no-sync",
            ],
        );
        cluster.start_server();
        cluster
    }

    /// A server program, run as the cluster's owner.
    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(exe);
                command
            }
            None => Command::new(exe),
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let status = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        if !status.status.success() {
            // pg_ctl only says "examine the log", which goes away with the cluster: show it.
            let log = std::fs::read_to_string(self._dir.path().join("log")).unwrap_or_default();
            panic!(
                "{program} failed: {}{}\nserver log:\n{log}",
                String::from_utf8_lossy(&status.stdout),
                String::from_utf8_lossy(&status.stderr)
            );
        }
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let args = ["-D", path(&self.data), "-m", "immediate", "-w", "stop"];
        let _ = self.command("pg_ctl").args(args).output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn chown_recursive(dir: &Path, user: &str) {
    let status = Command::new("chown")
        .args(["-R", user])
        .arg(dir)
        .status()
        .expect("chown");
    assert!(status.success(), "chown {user} {}", dir.display());
}
