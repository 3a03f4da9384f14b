//! For tests (of this crate and of the CLI and web crates): decompression bombs built in memory
//! in milliseconds, and the PDF reader program cargo built.
//!
//! A bomb's deflate data is one compressed MiB of zeros, cut at a sync flush (so it refers to
//! nothing before it), repeated: n MiB inflated cost about n KiB.

use std::io::Write;
use std::path::{Path, PathBuf};

const MIB: usize = 1024 * 1024;

/// Raw deflate data inflating to `mib` MiB of zeros.
pub fn deflate_zeros(mib: usize) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec and sync-flushing cannot fail.
    let _ = e.write_all(&vec![0u8; MIB]);
    let _ = e.flush();
    let chunk = e.get_ref().clone();
    let mut out = Vec::with_capacity(chunk.len() * mib + 2);
    for _ in 0..mib {
        out.extend_from_slice(&chunk);
    }
    // An empty final block (fixed Huffman codes, end of block).
    out.extend_from_slice(&[0x03, 0x00]);
    out
}

/// zlib data (a PDF's `/FlateDecode`) inflating to `mib` MiB of zeros.
pub fn zlib_zeros(mib: usize) -> Vec<u8> {
    let n = (mib * MIB) as u64;
    // Adler-32 of n zeros: a = 1, b = n mod 65521.
    let adler = (((n % 65521) as u32) << 16) | 1;
    [&[0x78, 0x9c][..], &deflate_zeros(mib), &adler.to_be_bytes()].concat()
}

/// One entry of [`zip`].
pub struct ZipEntry<'a> {
    pub name: &'a str,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub data: &'a [u8],
    pub crc32: u32,
    /// The uncompressed size written in the headers (a bomb may lie about it).
    pub declared_size: u32,
}

/// A zip file of `entries`, written by hand so that sizes and contents can be anything.
pub fn zip(entries: &[ZipEntry<'_>]) -> Vec<u8> {
    fn header(out: &mut Vec<u8>, e: &ZipEntry<'_>) {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&e.method.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
        out.extend_from_slice(&e.crc32.to_le_bytes());
        out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&e.declared_size.to_le_bytes());
        out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra length
    }
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for e in entries {
        offsets.push(out.len() as u32);
        out.extend_from_slice(b"PK\x03\x04");
        header(&mut out, e);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(e.data);
    }
    let cd = out.len();
    for (e, off) in entries.iter().zip(offsets) {
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&20u16.to_le_bytes()); // version made by
        header(&mut out, e);
        out.extend_from_slice(&[0; 10]); // comment length, disk, internal and external attributes
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(e.name.as_bytes());
    }
    let cd_len = out.len() - cd;
    let n = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&n);
    out.extend_from_slice(&n);
    out.extend_from_slice(&(cd_len as u32).to_le_bytes());
    out.extend_from_slice(&(cd as u32).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

fn crc32_zeros(mib: usize) -> u32 {
    let mut chunk = crc32fast::Hasher::new();
    chunk.update(&vec![0u8; MIB]);
    let mut h = crc32fast::Hasher::new();
    for _ in 0..mib {
        h.combine(&chunk);
    }
    h.finalize()
}

/// A DOCX whose `word/document.xml` inflates to `mib` MiB (at most 4095): the headers declare
/// the true size, or `declared` bytes when given (a bomb that lies).
pub fn docx_bomb(mib: usize, declared: Option<u32>) -> Vec<u8> {
    let types = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
    let body = deflate_zeros(mib);
    zip(&[
        ZipEntry {
            name: "[Content_Types].xml",
            method: 0,
            data: types,
            crc32: crc32fast::hash(types),
            declared_size: types.len() as u32,
        },
        ZipEntry {
            name: "word/document.xml",
            method: 8,
            data: &body,
            crc32: crc32_zeros(mib),
            declared_size: declared.unwrap_or(u32::try_from(mib * MIB).unwrap_or(u32::MAX)),
        },
    ])
}

/// A zip (named `.docx`) of `n` empty entries.
pub fn docx_with_entries(n: usize) -> Vec<u8> {
    let names: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
    let entries: Vec<ZipEntry<'_>> = names
        .iter()
        .map(|name| ZipEntry {
            name,
            method: 0,
            data: b"",
            crc32: 0,
            declared_size: 0,
        })
        .collect();
    zip(&entries)
}

/// A one-page PDF whose content stream (`/FlateDecode`) inflates to `mib` MiB.
pub fn pdf_bomb(mib: usize) -> Vec<u8> {
    let stream = zlib_zeros(mib);
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for obj in [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>",
    ] {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{obj}\nendobj\n", offsets.len()).as_bytes());
    }
    offsets.push(pdf.len());
    pdf.extend_from_slice(
        format!(
            "4 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
            stream.len()
        )
        .as_bytes(),
    );
    pdf.extend_from_slice(&stream);
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

/// A one-page PDF whose page draws a line and holds no text (as a scan holds only an image);
/// with `encrypt`, an `/Encrypt` dictionary whose password is not empty (its keys match no
/// password).
pub fn text_free_pdf(encrypt: bool) -> Vec<u8> {
    let content = "0 0 m 100 100 l S";
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_string(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len()
        ),
    ];
    if encrypt {
        let key = "<".to_string() + &"3f".repeat(32) + ">";
        objects.push(format!(
            "<< /Filter /Standard /V 1 /R 2 /O {key} /U {key} /P -4 >>"
        ));
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    let encrypt = if encrypt {
        format!(
            " /Encrypt {} 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
            objects.len()
        )
    } else {
        String::new()
    };
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R{encrypt} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// The PDF reader program cargo built next to the running test binary
/// (`target/<profile>/deps/…`): the `gongkai-reader` example, which cargo builds with this
/// crate's tests, else the `gongkai` binary of a workspace build.
pub fn built_reader() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    let profile = if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent()?
    } else {
        dir
    };
    [
        profile.join("examples").join("gongkai-reader"),
        profile.join("gongkai"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// Registers [`built_reader`] as this process's PDF reader; panics when there is none.
pub fn use_built_reader() {
    match built_reader() {
        Some(p) => {
            crate::sandbox::set_program(p);
        }
        None => panic!(
            "no PDF reader program next to {:?}: build the gongkai-reader example (cargo test -p gongkai-export) or the gongkai binary",
            std::env::current_exe().ok()
        ),
    }
}

/// Chromium on `PATH` (or in `/usr/bin`), as `chromium` or `chromium-browser`.
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Prints HTML pages to PDF the way a reader of a published report would, with headless
/// Chromium (`--print-to-pdf`, the browser's own page header and footer included), at most two
/// at a time. An error naming what is missing when Chromium is not installed (tests that need
/// it fail, never skip).
pub fn print_to_pdf(pages: &[String]) -> Result<Vec<Vec<u8>>, String> {
    let Some(chromium) = chromium() else {
        return Err("Chromium is not installed (no chromium or chromium-browser on PATH): \
             printing reports to PDF needs it. Run the suite with `scripts/test`, which installs it, \
             or install the Debian packages chromium and fonts-noto-cjk."
            .to_string());
    };
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let print = |html: &String| -> Result<Vec<u8>, String> {
        let n = RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("gk-print-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let page = dir.join("report.html");
        let pdf = dir.join("report.pdf");
        std::fs::write(&page, html).map_err(|e| format!("{}: {e}", page.display()))?;
        let out = std::process::Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .map_err(|e| format!("{}: {e}", chromium.display()));
        let bytes = std::fs::read(&pdf);
        let _ = std::fs::remove_dir_all(&dir);
        let out = out?;
        match bytes {
            Ok(b) if b.starts_with(b"%PDF") => Ok(b),
            _ => Err(format!(
                "Chromium printed no PDF: {}",
                String::from_utf8_lossy(&out.stderr)
            )),
        }
    };
    let mut out = Vec::with_capacity(pages.len());
    for pair in pages.chunks(2) {
        let printed: Vec<Result<Vec<u8>, String>> = std::thread::scope(|s| {
            let hs: Vec<_> = pair.iter().map(|h| s.spawn(|| print(h))).collect();
            hs.into_iter()
                .map(|h| h.join().unwrap_or_else(|_| Err("printing panicked".into())))
                .collect()
        });
        for p in printed {
            out.push(p?);
        }
    }
    Ok(out)
}

/// LibreOffice's `soffice` on `PATH` (or in `/usr/bin`).
pub fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("soffice"))
        .find(|p| p.is_file())
}

/// Converts files (`name` with its extension, bytes) with headless LibreOffice, as an office
/// that edits a report in another writer and saves or exports it would: `to` is the
/// `--convert-to` argument (`pdf`, `docx:"MS Word 2007 XML"`, `html:HTML (StarWriter)`), `ext`
/// the extension of what it writes. One `soffice` run for all files, with its own profile. An
/// error naming what is missing when LibreOffice is not installed (tests that need it fail,
/// never skip).
pub fn libreoffice_convert(
    files: &[(String, Vec<u8>)],
    to: &str,
    ext: &str,
) -> Result<Vec<Vec<u8>>, String> {
    let Some(soffice) = soffice() else {
        return Err(
            "LibreOffice is not installed (no soffice on PATH): converting reports \
             with another office writer needs it. Run the suite with `scripts/test`, which \
             installs it, or install the Debian package libreoffice-writer-nogui."
                .to_string(),
        );
    };
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("gk-office-{}-{n}", std::process::id()));
    let converted = convert_in(&soffice, &dir, files, to, ext);
    let _ = std::fs::remove_dir_all(&dir);
    converted
}

fn convert_in(
    soffice: &Path,
    dir: &Path,
    files: &[(String, Vec<u8>)],
    to: &str,
    ext: &str,
) -> Result<Vec<Vec<u8>>, String> {
    let (input, output) = (dir.join("in"), dir.join("out"));
    for d in [&input, &output] {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
    }
    let mut paths = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let p = input.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
        paths.push(p);
    }
    let out = std::process::Command::new(soffice)
        .args(["--headless", "--norestore", "--nolockcheck"])
        .arg(format!(
            "-env:UserInstallation=file://{}",
            dir.join("profile").display()
        ))
        .args(["--convert-to", to, "--outdir"])
        .arg(&output)
        .args(&paths)
        .output()
        .map_err(|e| format!("{}: {e}", soffice.display()))?;
    files
        .iter()
        .map(|(name, _)| {
            let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
            let p = output.join(format!("{stem}.{ext}"));
            std::fs::read(&p).map_err(|e| {
                format!(
                    "LibreOffice wrote no {}: {e}\n{}",
                    p.display(),
                    String::from_utf8_lossy(&out.stderr)
                )
            })
        })
        .collect()
}

/// A small DOCX whose body is `paragraphs` (a stored zip, as another writer might make it).
pub fn docx_with_text(paragraphs: &[&str]) -> Vec<u8> {
    let types = br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", esc(p)))
        .collect();
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let doc = doc.into_bytes();
    zip(&[
        ZipEntry {
            name: "[Content_Types].xml",
            method: 0,
            data: types,
            crc32: crc32fast::hash(types),
            declared_size: types.len() as u32,
        },
        ZipEntry {
            name: "word/document.xml",
            method: 0,
            data: &doc,
            crc32: crc32fast::hash(&doc),
            declared_size: doc.len() as u32,
        },
    ])
}
