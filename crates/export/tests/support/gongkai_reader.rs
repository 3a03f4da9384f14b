//! The PDF reader child (`gongkai __read-pdf`) without the rest of the command line: the host
//! program this crate's tests run the sandbox with (see `gongkai_export::testing::built_reader`).

use std::process::ExitCode;

fn main() -> ExitCode {
    match gongkai_export::sandbox::child_main() {
        Some(code) => code,
        None => {
            eprintln!(
                "用法：gongkai-reader {} < 文件.pdf",
                gongkai_export::sandbox::SUBCOMMAND
            );
            ExitCode::from(2)
        }
    }
}
