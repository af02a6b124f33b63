//! What Linux says about a process: resident memory and CPU time, from `/proc/PID`.

use std::time::Duration;

/// `/proc/PID/stat` counts CPU time in USER_HZ ticks, which the kernel fixes at 100 for
/// user space on every architecture Linux supports today.
const TICKS_PER_SECOND: u64 = 100;

#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    #[error("cannot read /proc/{pid}/{file}: {source}")]
    Read {
        pid: u32,
        file: &'static str,
        source: std::io::Error,
    },
    #[error("/proc/{pid}/{file} has no {field}")]
    Missing {
        pid: u32,
        file: &'static str,
        field: &'static str,
    },
}

/// Resident set now and its peak, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    pub rss_kb: u64,
    pub hwm_kb: u64,
}

fn read(pid: u32, file: &'static str) -> Result<String, ProcError> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).map_err(|source| ProcError::Read {
        pid,
        file,
        source,
    })
}

/// A `Name:   123 kB` line of `/proc/PID/status`.
pub fn status_kb(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

pub fn memory(pid: u32) -> Result<Memory, ProcError> {
    let status = read(pid, "status")?;
    let field = |field: &'static str| {
        status_kb(&status, field).ok_or(ProcError::Missing {
            pid,
            file: "status",
            field,
        })
    };
    Ok(Memory {
        rss_kb: field("VmRSS")?,
        hwm_kb: field("VmHWM")?,
    })
}

/// utime + stime of a `/proc/PID/stat` line. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted after its last `)`.
pub fn stat_cpu(stat: &str) -> Option<Duration> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    // After the name: state (3), ppid … utime is field 14, stime 15 → 11th and 12th here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime) * 1000 / TICKS_PER_SECOND,
    ))
}

/// CPU time the process has used so far (user + system).
pub fn cpu(pid: u32) -> Result<Duration, ProcError> {
    let stat = read(pid, "stat")?;
    stat_cpu(&stat).ok_or(ProcError::Missing {
        pid,
        file: "stat",
        field: "utime/stime",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let status = "Name:\texomig\nVmHWM:\t   20480 kB\nVmRSS:\t   18000 kB\nThreads:\t3\n";
        assert_eq!(status_kb(status, "VmRSS"), Some(18000));
        assert_eq!(status_kb(status, "VmHWM"), Some(20480));
        assert_eq!(status_kb(status, "VmSwap"), None);
    }

    #[test]
    fn stat_with_a_hostile_command_name() {
        // utime 250 ticks, stime 50 ticks → 3 s.
        let stat = "4242 (a) b (c) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 1 0 0";
        assert_eq!(stat_cpu(stat), Some(Duration::from_secs(3)));
        assert_eq!(stat_cpu("4242 (x) S 1"), None);
    }

    #[test]
    fn this_process() {
        let pid = std::process::id();
        let m = memory(pid).unwrap();
        assert!(m.rss_kb > 0 && m.hwm_kb >= m.rss_kb);
        assert!(cpu(pid).is_ok());
    }
}
