//! Helpers shared by the `cli_*` end-to-end tests: run the real binary, build script trees
//! in temp dirs, and a few scripts whose expected findings the contract fixes.
#![allow(dead_code)] // each test crate uses a different subset

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The canonical legacy connection (interfaces.md §1: EXO001 + EXO003 + EXO004, all safe).
pub const LEGACY: &str = "$UserCredential = Get-Credential\n\
$Session = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri https://outlook.office365.com/powershell-liveid/ -Credential $UserCredential -Authentication Basic -AllowRedirection\n\
Import-PSSession $Session -DisableNameChecking\n\
Get-Mailbox -ResultSize 10\n\
Remove-PSSession $Session\n";

/// Already modern: nothing to report, and no trigger text at all (fast path).
pub const MODERN: &str = "Get-Mailbox -ResultSize Unlimited |\n  Where-Object { $_.ProhibitSendQuota -ne 'Unlimited' } |\n  Select-Object DisplayName\n";

/// A plaintext password: SEC001, manual, warning or error (never info).
pub const PLAINTEXT_PASSWORD: &str = "$pw = ConvertTo-SecureString 'P@ssw0rd' -AsPlainText -Force\n$c = New-Object System.Management.Automation.PSCredential ('admin@contoso.com', $pw)\n";

/// On-premises only: at most an `info` finding, which never changes an exit code.
pub const ON_PREMISES: &str = "$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri http://exch01.contoso.local/PowerShell/ -Authentication Kerberos\nImport-PSSession $s\n";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stdout_bytes: Vec<u8>,
    pub stderr: String,
}

pub fn exomig() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_exomig"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stdout_bytes: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Run `exomig ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let output = exomig()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run exomig");
    finish(output)
}

/// Run `exomig ARGS` in `dir` with `input` on stdin.
pub fn run_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    let mut child = exomig()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn exomig");
    child
        .stdin
        .take()
        .expect("stdin piped")
        .write_all(input)
        .expect("write stdin");
    finish(child.wait_with_output().expect("wait exomig"))
}

pub fn write(dir: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dirs");
    }
    std::fs::write(path, content).expect("write file");
}

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    })
}

/// The `path` of every file entry of a JSON report, in output order.
pub fn json_paths(report: &serde_json::Value) -> Vec<String> {
    report["files"]
        .as_array()
        .expect("files array")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_owned())
        .collect()
}

/// `text` with CRLF line endings.
pub fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// `text` as UTF-16 LE with a BOM.
pub fn utf16le_bom(text: &str) -> Vec<u8> {
    std::iter::once(0xFEFFu16)
        .chain(text.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect()
}
