//! The PDF reader proper, run only inside the sandboxed child ([`crate::sandbox`]): a check of
//! what the compressed streams inflate to, then the layout reading of [`crate::bbox`]
//! (poppler's `pdftotext -bbox-layout`), and where it does not give every table, the
//! `pdf-extract` crate's text or `pdftotext -layout` (see [`extract`]).

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use crate::read::{ReadError, ReadErrorKind};
use crate::sandbox::Limits;

const MB: u64 = 1024 * 1024;

fn fail(kind: ReadErrorKind, message: impl Into<String>) -> ReadError {
    ReadError::new("", kind, message)
}

/// Whether the auditor reads every table of a text (no `TABLE_SHAPE`, no `TABLE_MISSING`).
fn reads_clean(text: &str) -> bool {
    let a = gongkai_domain::audit::audit_text("", text);
    !a.findings
        .iter()
        .any(|f| f.code == "TABLE_SHAPE" || f.code == "TABLE_MISSING")
}

/// The message for a PDF that needs a password.
const ENCRYPTED: &str = "此 PDF 已加密（需要密码才能打开），无法读取其中的表格；请提供未加密的文件";

/// The message when poppler is needed and not installed.
const NO_POPPLER: &str = "此 PDF 的表格需要按版面（文字坐标）读取，但未安装 poppler-utils 的 pdftotext，无法可靠读取（可用 apt-get install poppler-utils 安装）";

/// A PDF's text. First the layout reading ([`crate::bbox`]: poppler's `pdftotext -bbox-layout`,
/// tables rebuilt as grids from the positions of their words), when the auditor reads every
/// table of it; else the `pdf-extract` crate's text or poppler's `pdftotext -layout` text, when
/// the auditor reads every table of that; else the layout reading, whose `TABLE_SHAPE` says
/// what could not be read. Without poppler, a PDF the built-in reader cannot read whole is
/// refused with a message saying so (never read less); a PDF without a text layer (scanned)
/// is refused as such. Streams that inflate past the limits are refused first.
pub(crate) fn extract(bytes: &[u8], limits: &Limits) -> Result<String, ReadError> {
    check_streams(bytes, limits.max_stream, limits.max_inflated)?;
    let layout = layout_text(bytes, limits);
    if let Ok(t) = &layout
        && !t.trim().is_empty()
        && reads_clean(t)
    {
        return layout.map_err(|_| fail(ReadErrorKind::Unavailable, NO_POPPLER));
    }
    // pdf-extract panics on some malformed files: contain it (nothing outlives the panic but
    // the input, which it only reads).
    let direct = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem(bytes)
    }))
    .ok()
    .and_then(Result::ok)
    .filter(|t| !t.trim().is_empty());
    if let Some(t) = &direct
        && reads_clean(t)
    {
        return Ok(direct.unwrap_or_default());
    }
    let layout = match layout {
        Ok(t) => t,
        Err(None) => return Err(fail(ReadErrorKind::Unavailable, NO_POPPLER)),
        // Encrypted: said so (whatever the built-in reader made of the ciphertext).
        Err(Some(e)) if e.message == ENCRYPTED => return Err(e),
        // Poppler cannot read it: the built-in reader's text, tables and all, when it had any.
        Err(Some(e)) => return direct.ok_or(e),
    };
    if layout.trim().is_empty() {
        return match direct {
            Some(t) => Ok(t),
            None => Err(fail(
                ReadErrorKind::Unreadable,
                "此 PDF 中没有可读取的文字（可能是扫描件，没有文字层），无法读取其中的表格",
            )),
        };
    }
    match pdftotext(bytes, limits, &["-layout"], limits.max_output) {
        Ok(t) if reads_clean(&t) => Ok(t),
        // The layout reading says what it could not read (TABLE_SHAPE), rather than a guess.
        _ => Ok(layout),
    }
}

/// The text of the PDF with its tables as layout grids, from `pdftotext -bbox-layout`.
fn layout_text(bytes: &[u8], limits: &Limits) -> Result<String, Option<ReadError>> {
    let cap = crate::bbox::MAX_XHTML as u64;
    let xhtml = pdftotext(bytes, limits, &["-bbox-layout"], cap)?;
    let pages = crate::bbox::parse(xhtml.as_bytes())
        .map_err(|e| Some(fail(ReadErrorKind::Refused, e.to_string())))?;
    Ok(crate::bbox::text(&pages))
}

/// Poppler's output for the PDF (`args` before the input and output), under the limits this
/// process runs with (it inherits them), at most `cap` bytes; `Err(None)` when pdftotext is
/// not installed.
fn pdftotext(
    bytes: &[u8],
    limits: &Limits,
    args: &[&str],
    cap: u64,
) -> Result<String, Option<ReadError>> {
    let share = (limits.cpu_seconds / 10).max(1);
    let spawned = with_cpu_limit(share, || {
        Command::new("pdftotext")
            .args(args)
            .args(["-enc", "UTF-8", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    });
    let mut child = spawned.map_err(|e| {
        (e.kind() != std::io::ErrorKind::NotFound).then(|| {
            fail(
                ReadErrorKind::Unavailable,
                format!("无法运行 poppler-utils 的 pdftotext：{e}"),
            )
        })
    })?;
    let (out, err) = std::thread::scope(|s| {
        if let Some(mut stdin) = child.stdin.take() {
            s.spawn(move || {
                let _ = stdin.write_all(bytes);
            });
        }
        let err = child.stderr.take().map(|e| {
            s.spawn(move || {
                let mut v = Vec::new();
                let _ = e.take(64 * 1024).read_to_end(&mut v);
                v
            })
        });
        let mut out = Vec::new();
        if let Some(o) = child.stdout.take() {
            let _ = o.take(cap + 1).read_to_end(&mut out);
        }
        if out.len() as u64 > cap {
            let _ = child.kill();
        }
        (out, err.and_then(|h| h.join().ok()).unwrap_or_default())
    });
    let status = child.wait().map_err(|e| {
        Some(fail(
            ReadErrorKind::Unavailable,
            format!("pdftotext 运行失败：{e}"),
        ))
    })?;
    if out.len() as u64 > cap {
        return Err(Some(fail(
            ReadErrorKind::Refused,
            format!("PDF 中读出的文字超过 {} MB 上限，已拒绝读取", cap / MB),
        )));
    }
    if !status.success() {
        use std::os::unix::process::ExitStatusExt;
        let err = String::from_utf8_lossy(&err);
        return Err(Some(match status.signal() {
            Some(sig) => fail(
                ReadErrorKind::Refused,
                format!(
                    "pdftotext 读取此 PDF 时超出资源上限（CPU {} 秒、内存 {} MB）被终止（信号 {sig}）",
                    limits.cpu_seconds,
                    limits.memory / MB
                ),
            ),
            None if err.to_ascii_lowercase().contains("password") => {
                fail(ReadErrorKind::Unreadable, ENCRYPTED)
            }
            None => fail(
                ReadErrorKind::Unreadable,
                format!("pdftotext 无法读取此 PDF：{}", err.trim()),
            ),
        }));
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Runs `f` (which starts a program) with this process's CPU-time limit lowered to `seconds`
/// beyond what it has used, so that the program started inherits that limit (it counts its own
/// time from zero): each poppler run gets a share of the reader's CPU time, and a file poppler
/// chews on cannot use up the time the other readers need. The limit is restored afterwards.
fn with_cpu_limit<T>(seconds: u64, f: impl FnOnce() -> T) -> T {
    use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_CPU) else {
        return f();
    };
    let used = getrusage(UsageWho::RUSAGE_SELF)
        .map(|u| {
            let s = u.user_time().tv_sec() + u.system_time().tv_sec();
            u64::try_from(s).unwrap_or(0)
        })
        .unwrap_or(0);
    let lowered = seconds.max(used + 1).min(soft);
    let changed = lowered < soft && setrlimit(Resource::RLIMIT_CPU, lowered, hard).is_ok();
    let out = f();
    if changed {
        let _ = setrlimit(Resource::RLIMIT_CPU, soft, hard);
    }
    out
}

/// How far before a `stream` keyword its dictionary is looked for.
const DICT_WINDOW: usize = 4096;
/// Most zlib layers followed inside one another (`/Filter [/FlateDecode /FlateDecode …]`).
const MAX_LAYERS: usize = 4;

/// Refuses a PDF one of whose compressed streams inflates past `max_stream` bytes, or all of
/// whose streams together inflate past `max_total` — by inflating them into nothing, a buffer at
/// a time, before any reader holds the result. Streams are found by their `stream` keyword, not
/// by the file's structure (which is what a hostile file lies about): a zlib stream is inflated
/// from its first byte to its own end, wherever the next `endstream` is; zlib inside zlib is
/// followed; LZW streams (`/LZWDecode`) are decoded up to the next `endstream`.
fn check_streams(pdf: &[u8], max_stream: u64, max_total: u64) -> Result<(), ReadError> {
    let bomb = |what: String| {
        fail(
            ReadErrorKind::Refused,
            format!("PDF 中{what}，疑为压缩炸弹，已拒绝读取"),
        )
    };
    let mut pos = 0;
    let mut total = 0u64;
    while let Some(i) = find(&pdf[pos..], b"stream") {
        let after_previous = pos;
        let keyword = pos + i;
        let mut start = keyword + b"stream".len();
        pos = start;
        if pdf[..keyword].ends_with(b"end") {
            continue;
        }
        match pdf.get(start) {
            Some(b'\r') => {
                start += 1;
                if pdf.get(start) == Some(&b'\n') {
                    start += 1;
                }
            }
            Some(b'\n') => start += 1,
            _ => continue,
        }
        let dict = dictionary_before(&pdf[after_previous..], keyword - after_previous);
        let (size, consumed) = stream_size(&pdf[start..], dict, max_stream);
        if size > max_stream {
            return Err(bomb(format!(
                "有数据流解压后超过 {} MB 上限",
                max_stream / MB
            )));
        }
        total = total.saturating_add(size);
        if total > max_total {
            return Err(bomb(format!(
                "各数据流解压后合计超过 {} MB 上限",
                max_total / MB
            )));
        }
        pos = start + consumed;
    }
    Ok(())
}

/// The bytes between the last `obj` before `keyword` (within [`DICT_WINDOW`]) and it; `pdf`
/// starts where the previous stream ended, so no byte is looked at twice.
fn dictionary_before(pdf: &[u8], keyword: usize) -> &[u8] {
    let window = &pdf[keyword.saturating_sub(DICT_WINDOW)..keyword];
    match rfind(window, b"obj") {
        Some(i) => &window[i..],
        None => window,
    }
}

/// What a stream starting at `data` inflates to (at most a little past `cap`), and how many
/// bytes of `data` its first layer took.
fn stream_size(data: &[u8], dict: &[u8], cap: u64) -> (u64, usize) {
    if looks_zlib(data) {
        let mut outer = flate2::bufread::ZlibDecoder::new(data);
        let (mut size, mut head) = count(&mut outer, cap);
        let consumed = usize::try_from(outer.total_in()).unwrap_or(data.len());
        let mut layers = 1;
        while size <= cap && layers < MAX_LAYERS && looks_zlib(&head) {
            layers += 1;
            let (n, h) = count(zlib_layers(data, layers), cap);
            size = size.max(n);
            head = h;
        }
        return (size, consumed.min(data.len()));
    }
    if find(dict, b"LZWDecode").is_some() {
        let end = find(data, b"endstream").unwrap_or(data.len());
        let early_change = find(dict, b"/EarlyChange 0").is_none();
        return (lzw_size(&data[..end], early_change, cap), end);
    }
    (0, 0)
}

fn zlib_layers(data: &[u8], layers: usize) -> Box<dyn Read + '_> {
    let mut r: Box<dyn Read + '_> = Box::new(flate2::bufread::ZlibDecoder::new(data));
    for _ in 1..layers {
        r = Box::new(flate2::read::ZlibDecoder::new(r));
    }
    r
}

/// The bytes `r` yields (stopping a little past `cap`, or at an error) and its first two.
fn count(mut r: impl Read, cap: u64) -> (u64, Vec<u8>) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::with_capacity(2);
    let mut n = 0u64;
    while n <= cap {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                let need = 2usize.saturating_sub(head.len()).min(k);
                head.extend_from_slice(&buf[..need]);
                n += k as u64;
            }
        }
    }
    (n, head)
}

/// A zlib header (RFC 1950): deflate, window ≤ 32 KiB, no preset dictionary, valid check bits.
fn looks_zlib(data: &[u8]) -> bool {
    match data {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8
                && cmf >> 4 <= 7
                && flg & 0x20 == 0
                && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

/// What an LZW stream decodes to, the way lopdf decodes it (stopping a little past `cap`).
fn lzw_size(data: &[u8], early_change: bool, cap: u64) -> u64 {
    struct Counter {
        n: u64,
        cap: u64,
    }
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.n += buf.len() as u64;
            if self.n > self.cap {
                return Err(std::io::Error::other("over the cap"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    use weezl::{BitOrder, decode::Decoder};
    let mut decoder = if early_change {
        Decoder::with_tiff_size_switch(BitOrder::Msb, 8)
    } else {
        Decoder::new(BitOrder::Msb, 8)
    };
    let mut sink = Counter { n: 0, cap };
    let _ = decoder.into_stream(&mut sink).decode_all(data);
    sink.n
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_measured_by_what_they_inflate_to() {
        let bomb = crate::testing::pdf_bomb(80);
        let e = check_streams(&bomb, 64 * MB, 512 * MB).err();
        assert!(
            e.as_ref()
                .is_some_and(|e| e.message.contains("有数据流解压后超过 64 MB 上限")),
            "{e:?}"
        );
        // Under the caps: accepted.
        assert!(check_streams(&bomb, 128 * MB, 512 * MB).is_ok());
        // Several streams each under the cap, together over the total.
        assert!(
            check_streams(&[bomb.as_slice(), &bomb].concat(), 128 * MB, 100 * MB)
                .err()
                .is_some_and(|e| e.message.contains("合计超过 100 MB"))
        );
    }

    #[test]
    fn a_stream_inside_a_stream_is_followed() {
        // zlib(zlib(8 MiB of zeros)): the outer layer is small, the inner one is not.
        let inner = crate::testing::zlib_zeros(8);
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let _ = e.write_all(&inner);
        let outer = e.finish().unwrap_or_default();
        assert!(outer.len() < 64 * 1024);
        let pdf = [
            b"1 0 obj\n<< /Filter [/FlateDecode /FlateDecode] >>\nstream\n".as_slice(),
            &outer,
            b"\nendstream\nendobj\n",
        ]
        .concat();
        assert!(check_streams(&pdf, 4 * MB, 512 * MB).is_err());
        assert!(check_streams(&pdf, 16 * MB, 512 * MB).is_ok());
    }

    #[test]
    fn an_lzw_stream_is_measured() {
        let zeros = vec![0u8; 4 * MB as usize];
        let mut enc = weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
        let lzw = enc.encode(&zeros).unwrap_or_default();
        let pdf = [
            b"1 0 obj\n<< /Length 9 /Filter /LZWDecode >>\nstream\n".as_slice(),
            &lzw,
            b"\nendstream\nendobj\n",
        ]
        .concat();
        assert!(check_streams(&pdf, MB, 512 * MB).is_err());
        assert!(check_streams(&pdf, 8 * MB, 512 * MB).is_ok());
    }
}
