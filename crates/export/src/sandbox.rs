//! PDF reading in a child process under resource limits, so that nothing a hostile PDF makes
//! the readers do can take the server (or `gongkai audit`) down.
//!
//! The parent ([`Reader::read_pdf`]) runs `PROGRAM __read-pdf --memory … --cpu-seconds …` in
//! its own process group, writes the PDF to its standard input and reads the text from its
//! standard output. The child ([`child_main`]) first sets its own rlimits — address space
//! ([`Limits::memory`]), CPU seconds, file size, no core dumps — and asks to be killed when its
//! parent dies; then it refuses any compressed stream that inflates past
//! [`Limits::max_stream`] (or all of them past [`Limits::max_inflated`]) before the `pdf-extract`
//! crate sees the file, and runs poppler's `pdftotext -layout` as fallback, which inherits the
//! limits. The parent kills the whole group after [`Limits::timeout`] of wall-clock time or once
//! the text passes [`Limits::max_output`], and turns every way the child can end (timeout, CPU
//! or memory limit, crash, non-zero exit, poppler missing) into a Chinese [`ReadError`] naming the
//! file. There is no in-process fallback: if the child cannot run, the PDF is not read. At most
//! as many children as CPUs (at least 2) run at once per process; a further PDF waits for one to
//! finish (30 s at most, then it is refused as busy).
//!
//! **Which program is the child.** [`Reader::current`] takes, in order:
//! 1. the environment variable `GONGKAI_READER` (an override: any program that calls
//!    [`child_main`] first thing in `main`);
//! 2. the program registered for this process: [`child_main`] registers the running binary
//!    (`/proc/self/exe`, so an upgrade that replaces the file on disk does not break a running
//!    server) whenever it returns `None` — a binary that calls it is by construction able to
//!    serve as its own reader, and `gongkai` calls it first thing in `main()`; or
//!    [`set_program`], for tests and embedders;
//! 3. otherwise an error saying that no reader program is configured.
//!
//! Test binaries are not `gongkai` (their `current_exe` is the test harness):
//! [`crate::testing::built_reader`] finds the `gongkai-reader` example that cargo builds with
//! this crate's tests (or the `gongkai` binary of a workspace build) in `target/<profile>/`, and
//! tests register it with [`set_program`] or build a [`Reader`] with it.
//!
//! Linux only (rlimits, process groups, `waitid`, `PR_SET_PDEATHSIG`).

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
use nix::unistd::Pid;

use crate::read::{MAX_BYTES, ReadError, ReadErrorKind};

/// The hidden subcommand that makes a program the PDF reader child.
pub const SUBCOMMAND: &str = "__read-pdf";
/// Environment variable naming the reader program (overrides the registered one).
pub const PROGRAM_ENV: &str = "GONGKAI_READER";

/// Exit codes of the child besides 0 (the text is on stdout); the message is the last line of
/// its stderr.
const EXIT_UNREADABLE: u8 = 3;
const EXIT_REFUSED: u8 = 4;
const EXIT_UNAVAILABLE: u8 = 5;
/// Most of the child's stderr kept.
const MAX_STDERR: usize = 64 * 1024;
const MB: u64 = 1024 * 1024;
/// Longest wait for one of the [`Slot`]s.
const SLOT_WAIT: Duration = Duration::from_secs(30);

/// The limits a PDF is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time after which the parent kills the child and its `pdftotext`.
    pub timeout: Duration,
    /// The child's address space (`RLIMIT_AS`), in bytes; `pdftotext` inherits it.
    pub memory: u64,
    /// CPU seconds of the child (`RLIMIT_CPU`), and of `pdftotext` on its own.
    pub cpu_seconds: u64,
    /// Most bytes of text returned (also the child's `RLIMIT_FSIZE`).
    pub max_output: u64,
    /// Most bytes any one compressed stream of the PDF may inflate to.
    pub max_stream: u64,
    /// Most bytes all compressed streams of the PDF together may inflate to.
    pub max_inflated: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: Duration::from_secs(20),
            // The real reports need under 32 MB; this leaves room for a 50 MB file read twice
            // over and keeps any bomb the stream check misses under the 300 MB issue 7 allows.
            memory: 256 * MB,
            cpu_seconds: 10,
            max_output: 32 * MB,
            max_stream: 64 * MB,
            max_inflated: 512 * MB,
        }
    }
}

impl Limits {
    /// The child's arguments after [`SUBCOMMAND`] (all but the timeout, which is the parent's).
    fn to_args(self) -> Vec<String> {
        [
            ("--memory", self.memory),
            ("--cpu-seconds", self.cpu_seconds),
            ("--max-output", self.max_output),
            ("--max-stream", self.max_stream),
            ("--max-inflated", self.max_inflated),
        ]
        .into_iter()
        .flat_map(|(k, v)| [k.to_string(), v.to_string()])
        .collect()
    }

    fn from_args(args: &[OsString]) -> Result<Limits, String> {
        let mut l = Limits::default();
        let mut it = args.iter();
        while let Some(k) = it.next() {
            let v = it
                .next()
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| format!("{SUBCOMMAND}：参数 {} 缺少数值", k.to_string_lossy()))?;
            match k.to_str() {
                Some("--memory") => l.memory = v,
                Some("--cpu-seconds") => l.cpu_seconds = v,
                Some("--max-output") => l.max_output = v,
                Some("--max-stream") => l.max_stream = v,
                Some("--max-inflated") => l.max_inflated = v,
                _ => return Err(format!("{SUBCOMMAND}：未知参数 {}", k.to_string_lossy())),
            }
        }
        Ok(l)
    }
}

static PROGRAM: OnceLock<PathBuf> = OnceLock::new();

/// Registers the reader program of this process (the first registration wins); `false` when
/// one was already registered.
pub fn set_program(path: impl Into<PathBuf>) -> bool {
    PROGRAM.set(path.into()).is_ok()
}

/// How PDFs are read: the program run as the child and the limits it runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub program: PathBuf,
    pub limits: Limits,
}

impl Reader {
    /// A reader running `program` under the default limits.
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Reader {
            program: program.into(),
            limits: Limits::default(),
        }
    }

    /// The reader of this process: `GONGKAI_READER`, else the registered program (see the
    /// module documentation); `None` when neither is there.
    pub fn current() -> Option<Self> {
        if let Some(p) = std::env::var_os(PROGRAM_ENV).filter(|p| !p.is_empty()) {
            return Some(Reader::new(p));
        }
        PROGRAM.get().map(Reader::new)
    }

    /// The text of the PDF `bytes` (`name` is the file named in errors), read by the child.
    pub fn read_pdf(&self, name: &str, bytes: &[u8]) -> Result<String, ReadError> {
        let l = self.limits;
        let program = self.program.display();
        let Some(_slot) = Slot::take(SLOT_WAIT) else {
            return Err(ReadError::new(
                name,
                ReadErrorKind::Unavailable,
                "同时读取的 PDF 过多，请稍后再试",
            ));
        };
        let mut child = Command::new(&self.program)
            .arg(SUBCOMMAND)
            .args(l.to_args())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("找不到 PDF 读取程序 {program}，无法读取 PDF（可用环境变量 {PROGRAM_ENV} 指定）")
                } else {
                    format!("无法启动 PDF 读取程序 {program}：{e}")
                };
                ReadError::new(name, ReadErrorKind::Unavailable, message)
            })?;
        let Some(pid) = i32::try_from(child.id()).ok().map(Pid::from_raw) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ReadError::new(
                name,
                ReadErrorKind::Unavailable,
                "PDF 读取程序的进程号无效",
            ));
        };
        let overflow = AtomicBool::new(false);
        let (end, status, stdout, stderr) = std::thread::scope(|s| {
            if let Some(mut stdin) = child.stdin.take() {
                // Dropped at the end: the child sees the end of the file.
                s.spawn(move || {
                    let _ = stdin.write_all(bytes);
                });
            }
            let out = child.stdout.take().map(|o| {
                let overflow = &overflow;
                s.spawn(move || read_capped(o, l.max_output, Some(overflow)))
            });
            let err = child
                .stderr
                .take()
                .map(|e| s.spawn(move || read_capped(e, MAX_STDERR as u64, None)));
            let end = supervise(&mut child, pid, l.timeout, &overflow);
            let status = child.wait();
            let join = |h: Option<std::thread::ScopedJoinHandle<'_, Vec<u8>>>| {
                h.and_then(|h| h.join().ok()).unwrap_or_default()
            };
            (end, status, join(out), join(err))
        });
        let stderr = String::from_utf8_lossy(&stderr);
        let last_line = stderr
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty())
            .unwrap_or("")
            .to_string();
        let refused = |m: String| Err(ReadError::new(name, ReadErrorKind::Refused, m));
        match end {
            End::TimedOut => {
                return refused(format!(
                    "读取 PDF 超时（{} 秒内未读完），已停止读取；文件可能已损坏或是恶意构造的",
                    l.timeout.as_secs_f64()
                ));
            }
            End::Overflowed => {
                return refused(format!(
                    "PDF 中读出的文字超过 {} MB 上限，已拒绝读取",
                    l.max_output / MB
                ));
            }
            End::Exited => {}
        }
        let status: ExitStatus = status.map_err(|e| {
            ReadError::new(
                name,
                ReadErrorKind::Unavailable,
                format!("PDF 读取程序 {program} 运行失败：{e}"),
            )
        })?;
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(0), _) => Ok(String::from_utf8_lossy(&stdout).into_owned()),
            (Some(c), _) if c == i32::from(EXIT_UNREADABLE) => {
                Err(ReadError::new(name, ReadErrorKind::Unreadable, last_line))
            }
            (Some(c), _) if c == i32::from(EXIT_REFUSED) => refused(last_line),
            (Some(c), _) if c == i32::from(EXIT_UNAVAILABLE) => {
                Err(ReadError::new(name, ReadErrorKind::Unavailable, last_line))
            }
            (Some(c), _) => Err(ReadError::new(
                name,
                ReadErrorKind::Unavailable,
                format!(
                    "PDF 读取程序 {program} 异常退出（退出码 {c}），可能不是本程序或版本不符：{}",
                    stderr.trim().chars().take(300).collect::<String>()
                ),
            )),
            (None, sig) => {
                let sig = sig.and_then(|s| Signal::try_from(s).ok());
                refused(match sig {
                    Some(Signal::SIGXCPU) => format!(
                        "读取此 PDF 超过 {} 秒 CPU 时间上限，已停止读取；文件可能是恶意构造的",
                        l.cpu_seconds
                    ),
                    _ if stderr.contains("memory allocation") => format!(
                        "读取此 PDF 所需内存超过 {} MB 上限，疑为压缩炸弹或恶意构造的文件，已拒绝读取",
                        l.memory / MB
                    ),
                    Some(Signal::SIGKILL) => format!(
                        "读取此 PDF 超出资源上限（CPU {} 秒、内存 {} MB），读取程序被终止",
                        l.cpu_seconds,
                        l.memory / MB
                    ),
                    Some(s) => format!(
                        "PDF 读取程序异常终止（{s}），文件可能已损坏或是恶意构造的，已拒绝读取"
                    ),
                    None => {
                        "PDF 读取程序异常终止，文件可能已损坏或是恶意构造的，已拒绝读取".to_string()
                    }
                })
            }
        }
    }
}

/// One of the few PDF readers that may run at once in this process (the number of CPUs, at
/// least 2), so that many uploads at a time cannot add up to more memory than the machine has.
struct Slot;

static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

impl Slot {
    /// Waits up to `wait` for a free slot.
    fn take(wait: Duration) -> Option<Slot> {
        let max = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        let deadline = Instant::now() + wait;
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        while *running >= max {
            let left = deadline.checked_duration_since(Instant::now())?;
            running = FREED
                .wait_timeout(running, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *running += 1;
        Some(Slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(PoisonError::into_inner);
        *running = running.saturating_sub(1);
        FREED.notify_one();
    }
}

/// How the child's run ended, as far as the parent is concerned.
enum End {
    Exited,
    TimedOut,
    Overflowed,
}

/// Waits for the child (without reaping it) until it exits, the deadline passes or its output
/// overflows; then kills its process group — the group id stays reserved while the unreaped
/// child exists, so this can only reach the child and what it started.
fn supervise(child: &mut Child, pid: Pid, timeout: Duration, overflow: &AtomicBool) -> End {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    let end = loop {
        match waitid(Id::Pid(pid), flags) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(_) => break End::Exited,
            // Cannot watch it: stop it rather than wait without a deadline.
            Err(_) => {
                let _ = child.kill();
                break End::Exited;
            }
        }
        if overflow.load(Ordering::SeqCst) {
            break End::Overflowed;
        }
        if start.elapsed() >= timeout {
            break End::TimedOut;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    };
    let _ = killpg(pid, Signal::SIGKILL);
    // Stopping to read can itself end the child (SIGPIPE): the overflow is still the reason.
    if overflow.load(Ordering::SeqCst) {
        return End::Overflowed;
    }
    end
}

/// Reads `r` to its end, keeping at most `cap` bytes; with `overflow`, stops reading and sets it
/// once more than `cap` bytes came (otherwise drains the rest).
fn read_capped(mut r: impl Read, cap: u64, overflow: Option<&AtomicBool>) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let room = usize::try_from(cap.saturating_sub(kept.len() as u64))
                    .unwrap_or(usize::MAX)
                    .min(n);
                kept.extend_from_slice(&buf[..room]);
                if room < n
                    && let Some(flag) = overflow
                {
                    flag.store(true, Ordering::SeqCst);
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    kept
}

/// The child's side. Call it first thing in `main()`: it returns `None` (and registers the
/// running program as this process's PDF reader) unless the program was started as
/// `PROGRAM __read-pdf …`, in which case it reads a PDF from stdin under the limits given,
/// writes its text to stdout and returns the exit code.
pub fn child_main() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(OsStr::new(SUBCOMMAND)) {
        register_self();
        return None;
    }
    Some(child(&args.collect::<Vec<_>>()))
}

fn register_self() {
    let me = Path::new("/proc/self/exe");
    if me.exists() {
        set_program(me);
    } else if let Ok(p) = std::env::current_exe() {
        set_program(p);
    }
}

fn child(args: &[OsString]) -> ExitCode {
    let fail = |code: u8, message: &str| {
        eprintln!("{message}");
        ExitCode::from(code)
    };
    let limits = match Limits::from_args(args) {
        Ok(l) => l,
        Err(m) => return fail(2, &m),
    };
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if let Err(e) = set_own_limits(&limits) {
        return fail(
            EXIT_UNAVAILABLE,
            &format!("PDF 读取程序无法设置资源上限：{e}"),
        );
    }
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin()
        .lock()
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
    {
        return fail(EXIT_UNAVAILABLE, &format!("PDF 读取程序无法读入文件：{e}"));
    }
    if bytes.len() > MAX_BYTES {
        return fail(
            EXIT_REFUSED,
            &format!("文件过大（上限 {} MB）", MAX_BYTES as u64 / MB),
        );
    }
    match crate::pdf::extract(&bytes, &limits) {
        Ok(text) if text.len() as u64 > limits.max_output => fail(
            EXIT_REFUSED,
            &format!(
                "PDF 中读出的文字超过 {} MB 上限，已拒绝读取",
                limits.max_output / MB
            ),
        ),
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(EXIT_UNAVAILABLE, &format!("PDF 读取程序无法输出文字：{e}")),
            }
        }
        Err(e) => fail(
            match e.kind {
                ReadErrorKind::Unreadable => EXIT_UNREADABLE,
                ReadErrorKind::Refused | ReadErrorKind::TooLarge => EXIT_REFUSED,
                ReadErrorKind::Unavailable => EXIT_UNAVAILABLE,
            },
            &e.message.replace('\n', "；"),
        ),
    }
}

/// Sets the child's rlimits (never above the hard limits it was given).
fn set_own_limits(l: &Limits) -> nix::Result<()> {
    let set = |r: Resource, soft: u64, hard: u64| -> nix::Result<()> {
        let (_, max) = getrlimit(r)?;
        setrlimit(r, soft.min(max), hard.min(max))
    };
    set(Resource::RLIMIT_CORE, 0, 0)?;
    set(Resource::RLIMIT_AS, l.memory, l.memory)?;
    // The soft limit sends SIGXCPU, the hard one a second later SIGKILL.
    set(
        Resource::RLIMIT_CPU,
        l.cpu_seconds,
        l.cpu_seconds.saturating_add(1),
    )?;
    set(Resource::RLIMIT_FSIZE, l.max_output, l.max_output)?;
    Ok(())
}
