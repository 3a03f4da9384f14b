//! `gongkai`: the command line (contracts.md §1). Thin: parse, call the library crates, print.
//! Exit status: 0 success, 1 the input was read but fails its checks, 2 the command could not run.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};
use gongkai_db::{Db, PeriodSpec};
use gongkai_domain::ledger::NewAgency;
use gongkai_domain::period::parse_date;
use gongkai_export::Format;

#[derive(Parser)]
#[command(
    name = "gongkai",
    version,
    about = "政府信息公开工作平台（公共资源交易中心）"
)]
struct Cli {
    /// 数据库：sqlite:路径 或 postgres://…
    #[arg(
        long,
        global = true,
        env = "GONGKAI_DB",
        default_value = "sqlite:gongkai.db"
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 启动门户、后台和 API
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
    },
    /// 载入演示机构 wuzhong-ggzy 并启动服务
    Demo {
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// 只载入数据，不启动服务
        #[arg(long)]
        no_serve: bool,
        /// 清空数据库后重新载入
        #[arg(long)]
        reset: bool,
    },
    /// 机构管理
    Agency {
        #[command(subcommand)]
        command: AgencyCommand,
    },
    /// 生成政府信息公开工作年度报告
    Report(ReportArgs),
    /// 年度报告文字部分模板
    Template {
        #[command(subcommand)]
        command: TemplateCommand,
    },
    /// 工作日计算与节假日数据
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// 依申请公开案件
    Requests {
        #[command(subcommand)]
        command: RequestsCommand,
    },
    /// 检查已发布的年度报告（PDF、HTML、DOCX、Markdown、纯文本）；可给文件夹
    Audit {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// text | json | xlsx（汇总表，须配合 -o）
        #[arg(long, default_value = "text")]
        format: String,
        /// 输出文件（xlsx 必需）
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// 后台用户
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API 令牌
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// 生成确定性的合成数据（用于性能测试）
    Gen {
        #[arg(long)]
        agencies: usize,
        #[arg(long, default_value_t = 1)]
        years: i32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 最后一个年度（默认去年）
        #[arg(long)]
        last_year: Option<i32>,
    },
}

#[derive(Subcommand)]
enum AgencyCommand {
    /// 新建机构
    Add {
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        parent: Option<String>,
        /// 成立日期 YYYY-MM-DD
        #[arg(long)]
        established: Option<String>,
    },
    /// 列出机构
    List,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// 打印 DATE 之后第 N 个工作日（DATE 当天不计）
    AddWorkdays { date: String, n: u32 },
    /// 打印 FROM 之后至 TO（含）之间的工作日数
    Workdays { from: String, to: String },
    /// 导入新的年度节假日数据（holiday-cn 格式的 YYYY.json）
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum RequestsCommand {
    /// 导入案件事件（JSON Lines，一个事务）
    Import {
        file: PathBuf,
        #[arg(long)]
        agency: String,
    },
    /// 列出案件及其法定期限
    List {
        #[arg(long)]
        agency: String,
        /// 截至日期（默认今天）
        #[arg(long)]
        as_of: Option<String>,
        /// json | table
        #[arg(long, default_value = "table")]
        format: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// 新建后台用户；密码从标准输入读取
    Add {
        name: String,
        /// 角色：admin editor reviewer1 reviewer2 reviewer3 proofreader secrecy handler head system
        #[arg(long, num_args = 1.., required = true)]
        role: Vec<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// 为用户生成新的 API 令牌并打印（只显示这一次）
    Create {
        #[arg(long)]
        user: String,
    },
}

#[derive(Subcommand)]
enum TemplateCommand {
    /// 打印机构当前使用的模板（未设置时为默认模板）
    Show {
        #[arg(long)]
        agency: String,
        /// narrative（年报文字部分）| letter（答复告知书）
        #[arg(long, default_value = "narrative")]
        kind: String,
    },
    /// 设置机构的模板（TOML 文件）
    Set {
        #[arg(long)]
        agency: String,
        file: PathBuf,
        /// narrative（年报文字部分）| letter（答复告知书）
        #[arg(long, default_value = "narrative")]
        kind: String,
    },
}

#[derive(Args)]
struct ReportArgs {
    #[arg(long)]
    agency: String,
    #[arg(long, conflicts_with_all = ["from", "to"])]
    year: Option<i32>,
    #[arg(long, requires = "to")]
    from: Option<String>,
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// json | md | html | docx | xlsx
    #[arg(long, default_value = "md")]
    format: String,
    /// 输出文件（默认标准输出）
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
    /// 使用此模板文件代替机构模板
    #[arg(long)]
    template: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GONGKAI_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("错误：{}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error chain joined with "：", skipping causes already quoted by the message above them.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push('：');
            }
            out.push_str(&text);
        }
    }
    out
}

async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Serve { bind } => {
            let db = Db::connect(&cli.db).await?;
            gongkai_web::serve(db, bind)
                .await
                .with_context(|| format!("无法在 {bind} 上启动服务"))?;
            Ok(0)
        }
        Command::Demo {
            bind,
            no_serve,
            reset,
        } => {
            let db = Db::connect(&cli.db).await?;
            let a = db.load_demo(reset).await?;
            eprintln!("已载入演示机构 {}（{}）", a.name, a.code);
            if !no_serve {
                eprintln!("打开 http://{bind}/ 查看年度报告");
                gongkai_web::serve(db, bind)
                    .await
                    .with_context(|| format!("无法在 {bind} 上启动服务"))?;
            }
            Ok(0)
        }
        Command::Agency {
            command:
                AgencyCommand::Add {
                    code,
                    name,
                    parent,
                    established,
                },
        } => {
            let established = established
                .map(|d| parse_date(&d, "--established"))
                .transpose()?;
            let db = Db::connect(&cli.db).await?;
            let a = db
                .add_agency(&NewAgency {
                    code,
                    name,
                    parent,
                    established,
                })
                .await?;
            println!("已创建机构 {}（{}）", a.name, a.code);
            Ok(0)
        }
        Command::Agency {
            command: AgencyCommand::List,
        } => {
            let db = Db::connect(&cli.db).await?;
            let all = db.agencies().await?;
            for a in &all {
                let parent = a
                    .parent_id
                    .and_then(|p| all.iter().find(|x| x.id == p))
                    .map(|p| p.code.as_str())
                    .unwrap_or("-");
                let est = a
                    .established
                    .map(gongkai_domain::period::iso)
                    .unwrap_or_else(|| "-".into());
                println!("{}\t{}\t上级：{}\t成立：{}", a.code, a.name, parent, est);
            }
            Ok(0)
        }
        Command::Template { command } => template(&cli.db, command).await,
        Command::Calendar { command } => calendar(&cli.db, command).await,
        Command::Audit {
            files,
            format,
            output,
        } => audit(&files, &format, output.as_deref()),
        Command::User {
            command: UserCommand::Add { name, role },
        } => {
            let roles = role
                .iter()
                .map(|r| {
                    gongkai_domain::auth::Role::from_code(r).map_err(|e| anyhow!("--role：{e}"))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("无法从标准输入读取密码")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 8 {
                bail!("密码至少 8 个字符（从标准输入读取）");
            }
            let hash = gongkai_web::auth::hash_password(password)
                .map_err(|e| anyhow!("无法计算密码散列：{e}"))?;
            let db = Db::connect(&cli.db).await?;
            let u = db.add_user(&name, &hash, &roles).await?;
            println!(
                "已创建用户 {}（{}）",
                u.name,
                u.roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join("、")
            );
            Ok(0)
        }
        Command::Token {
            command: TokenCommand::Create { user },
        } => {
            let db = Db::connect(&cli.db).await?;
            let u = db
                .user(&user)
                .await?
                .ok_or_else(|| anyhow!("未找到用户“{user}”"))?;
            let token = gongkai_web::auth::random_token();
            db.add_token(&u, &gongkai_web::auth::token_hash(&token))
                .await?;
            println!("{token}");
            Ok(0)
        }
        Command::Requests { command } => requests(&cli.db, command).await,
        Command::Report(args) => report(&cli.db, args).await,
        Command::Gen {
            agencies,
            years,
            seed,
            last_year,
        } => {
            if agencies == 0 || years < 1 {
                bail!("--agencies 和 --years 必须至少为 1");
            }
            let last_year = last_year.unwrap_or_else(|| {
                gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc()).year() - 1
            });
            let db = Db::connect(&cli.db).await?;
            let spec = gongkai_domain::synth::GenSpec {
                agencies,
                years,
                seed,
                last_year,
            };
            let start = std::time::Instant::now();
            db.load_gen(&spec, &|done, total| {
                if done == total || done % 10 == 0 {
                    eprint!("\r已生成 {done}/{total} 个机构");
                }
            })
            .await?;
            eprintln!(
                "\n完成：{agencies} 个机构 × {years} 年，用时 {:.1} 秒",
                start.elapsed().as_secs_f64()
            );
            Ok(0)
        }
    }
}

fn today() -> time::Date {
    gongkai_domain::period::beijing_date(time::OffsetDateTime::now_utc())
}

/// The text of a report file, by its kind.
fn report_text(path: &std::path::Path) -> Result<String> {
    let meta = std::fs::metadata(path).with_context(|| format!("无法读取 {}", path.display()))?;
    if meta.len() > gongkai_export::read::MAX_BYTES as u64 {
        bail!(
            "{}：文件过大（{} 字节，上限 64 MB）",
            path.display(),
            meta.len()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    Ok(gongkai_export::read::report_text(
        &path.display().to_string(),
        &bytes,
    )?)
}

/// The files named (`true`: named explicitly), with folders expanded to the report files
/// inside them (sorted).
fn expand(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("无法读取文件夹 {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            ["pdf", "html", "htm", "docx", "md", "txt"]
                                .contains(&e.to_ascii_lowercase().as_str())
                        })
                })
                .collect();
            inside.sort();
            out.extend(inside.into_iter().map(|f| (f, false)));
        } else {
            out.push((p.clone(), true));
        }
    }
    if out.is_empty() {
        bail!("没有找到可检查的报告文件");
    }
    Ok(out)
}

fn audit(files: &[PathBuf], format: &str, output: Option<&std::path::Path>) -> Result<u8> {
    use gongkai_domain::audit::{audit_text, compare_years, finding_line};
    if !["text", "json", "xlsx"].contains(&format) {
        bail!("--format 的取值“{format}”无效，可选：text、json、xlsx");
    }
    if format == "xlsx" && output.is_none() {
        bail!("--format xlsx 需要用 -o 指定输出文件");
    }
    let files = expand(files)?;
    let mut audits = Vec::new();
    for (f, named) in &files {
        // A file found in a folder that is not a report is skipped with a note; a file named
        // on the command line must be one.
        let read = report_text(f).and_then(|text| {
            let a = audit_text(&f.display().to_string(), &text);
            if a.sections.is_empty() && a.requests.as_object().is_none_or(|o| o.is_empty()) {
                bail!(
                    "{}：无法识别为政府信息公开工作年度报告（没有找到任何法定部分或表格）",
                    f.display()
                );
            }
            Ok(a)
        });
        match read {
            Ok(a) => audits.push(a),
            Err(e) if !named => eprintln!("跳过：{}", message(&e)),
            Err(e) => return Err(e),
        }
    }
    if audits.is_empty() {
        bail!("没有找到可检查的报告文件");
    }
    // Consecutive years of one agency: carried over against carried forward.
    for i in 0..audits.len() {
        for j in 0..audits.len() {
            let (a, b) = (&audits[i], &audits[j]);
            if i != j
                && !a.agency.is_empty()
                && a.agency == b.agency
                && a.year.is_some()
                && a.year.map(|y| y + 1) == b.year
            {
                let earlier = a.clone();
                compare_years(&earlier, &mut audits[j]);
            }
        }
    }
    let mut out = std::io::stdout().lock();
    if format == "xlsx" {
        let bytes = gongkai_export::audit_summary_xlsx(&audits)?;
        if let Some(path) = output {
            std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
        }
    } else if format == "json" {
        serde_json::to_writer_pretty(&mut out, &audits)?;
        writeln!(out)?;
    } else {
        for a in &audits {
            let errors = a.findings.iter().filter(|f| f.severity == "error").count();
            writeln!(
                out,
                "{}：{} {} 年（{} 格式），错误 {} 项，提示 {} 项",
                a.file,
                if a.agency.is_empty() {
                    "（未识别机构）"
                } else {
                    &a.agency
                },
                a.year.map(|y| y.to_string()).unwrap_or_else(|| "?".into()),
                a.format,
                errors,
                a.findings.len() - errors
            )?;
            for f in &a.findings {
                writeln!(out, "  {}", finding_line(f))?;
            }
        }
    }
    Ok(if audits.iter().any(|a| a.has_errors()) {
        1
    } else {
        0
    })
}

/// The calendar of the database, or the shipped one when the SQLite file does not exist yet.
async fn calendar_of(url: &str) -> Result<gongkai_domain::calendar::Calendar> {
    match Db::sqlite_path(url) {
        Some(path) if path != ":memory:" && !std::path::Path::new(path).exists() => {
            Ok(gongkai_domain::calendar::Calendar::builtin())
        }
        _ => Ok(Db::connect(url).await?.calendar().await?),
    }
}

async fn calendar(url: &str, command: CalendarCommand) -> Result<u8> {
    match command {
        CalendarCommand::AddWorkdays { date, n } => {
            let anchor = parse_date(&date, "DATE")?;
            let cal = calendar_of(url).await?;
            let r = cal.add_workdays(anchor, n);
            println!("{}", gongkai_domain::period::iso(r.date));
            if !r.confirmed {
                eprintln!(
                    "注意：结果为暂定，所涉年度的节假日安排尚未公布（可用 gongkai calendar import 导入）"
                );
            }
        }
        CalendarCommand::Workdays { from, to } => {
            let (from, to) = (parse_date(&from, "FROM")?, parse_date(&to, "TO")?);
            let cal = calendar_of(url).await?;
            let (n, confirmed) = cal.workdays(from, to);
            println!("{n}");
            if !confirmed {
                eprintln!(
                    "注意：结果为暂定，所涉年度的节假日安排尚未公布（可用 gongkai calendar import 导入）"
                );
            }
        }
        CalendarCommand::Import { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取 {}", file.display()))?;
            let year = gongkai_domain::calendar::HolidayYear::parse(&text)
                .with_context(|| format!("文件 {}", file.display()))?;
            let db = Db::connect(url).await?;
            db.import_calendar(&year, &file.display().to_string())
                .await?;
            let off = year.days.iter().filter(|d| d.off).count();
            println!(
                "已导入 {} 年节假日安排：放假 {} 天，调休上班 {} 天",
                year.year,
                off,
                year.days.len() - off
            );
        }
    }
    Ok(0)
}

async fn requests(url: &str, command: RequestsCommand) -> Result<u8> {
    match command {
        RequestsCommand::Import { file, agency } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取 {}", file.display()))?;
            let db = Db::connect(url).await?;
            let s = db
                .import_requests(&agency, &text)
                .await
                .with_context(|| format!("文件 {}", file.display()))?;
            println!(
                "已导入 {} 条事件：{} 件申请，{} 件复议或诉讼",
                s.events, s.cases, s.appeals
            );
        }
        RequestsCommand::List {
            agency,
            as_of,
            format,
        } => {
            if format != "json" && format != "table" {
                bail!("--format 的取值“{format}”无效，可选：json、table");
            }
            let as_of = match as_of {
                Some(d) => parse_date(&d, "--as-of")?,
                None => today(),
            };
            let db = Db::connect_existing(url).await?;
            let clocks = db.request_clocks(&agency, as_of).await?;
            let mut out = std::io::stdout().lock();
            if format == "json" {
                serde_json::to_writer_pretty(&mut out, &clocks)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "案件编号\t申请人类型\t收到日期\t计时起点\t暂停\t延期\t答复期限\t状态\t办理结果\t办结日期\t超期\t补正告知超期"
                )?;
                for c in &clocks {
                    let iso = gongkai_domain::period::iso;
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}{}\t{}\t{}\t{}\t{}\t{}",
                        c.request,
                        c.applicant_type.label(),
                        iso(c.received),
                        iso(c.clock_start),
                        c.paused_workdays,
                        c.extension_workdays,
                        iso(c.due),
                        if c.due_confirmed { "" } else { "（暂定）" },
                        c.status.label(),
                        c.outcome.map(|o| o.code()).unwrap_or("-"),
                        c.closed_on.map(iso).unwrap_or_else(|| "-".into()),
                        if c.overdue { "是" } else { "否" },
                        if c.correction_notice_late {
                            "是"
                        } else {
                            "否"
                        },
                    )?;
                }
            }
        }
    }
    Ok(0)
}

async fn template(url: &str, command: TemplateCommand) -> Result<u8> {
    let kind_ok = |k: &str| {
        if k == "narrative" || k == "letter" {
            Ok(())
        } else {
            Err(anyhow!("--kind 的取值“{k}”无效，可选：narrative、letter"))
        }
    };
    match command {
        TemplateCommand::Show { agency, kind } => {
            kind_ok(&kind)?;
            let db = Db::connect(url).await?;
            let a = db.agency(&agency).await?;
            let t = if kind == "letter" {
                db.letter_template(a.id)
                    .await?
                    .unwrap_or_else(|| gongkai_export::letters::DEFAULT_LETTERS.to_string())
            } else {
                db.narrative_template(a.id)
                    .await?
                    .unwrap_or_else(|| gongkai_export::DEFAULT_TEMPLATE.to_string())
            };
            print!("{t}");
        }
        TemplateCommand::Set { agency, file, kind } => {
            kind_ok(&kind)?;
            let body = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取模板文件 {}", file.display()))?;
            if kind == "letter" {
                gongkai_export::letters::validate(&body)
                    .with_context(|| format!("模板文件 {}", file.display()))?;
            } else {
                gongkai_export::narrative::validate(&body)
                    .with_context(|| format!("模板文件 {}", file.display()))?;
            }
            let db = Db::connect(url).await?;
            let a = db.agency(&agency).await?;
            if kind == "letter" {
                db.set_letter_template(a.id, &body).await?;
            } else {
                db.set_narrative_template(a.id, &body).await?;
            }
            println!(
                "已更新 {} 的{}模板",
                a.name,
                if kind == "letter" {
                    "答复告知书"
                } else {
                    "年度报告"
                }
            );
        }
    }
    Ok(0)
}

async fn report(url: &str, args: ReportArgs) -> Result<u8> {
    let format = Format::from_code(&args.format).ok_or_else(|| {
        anyhow!(
            "--format 的取值“{}”无效，可选：json、md、html、docx、xlsx",
            args.format
        )
    })?;
    let spec = match (args.year, &args.from, &args.to) {
        (Some(y), None, None) => PeriodSpec::Year(y),
        (None, Some(f), Some(t)) => {
            PeriodSpec::Range(parse_date(f, "--from")?, parse_date(t, "--to")?)
        }
        _ => bail!("请用 --year YYYY 或 --from DATE --to DATE 指定统计期间"),
    };
    let template_override = match &args.template {
        Some(p) => {
            let t = std::fs::read_to_string(p)
                .with_context(|| format!("无法读取模板文件 {}", p.display()))?;
            gongkai_export::narrative::validate(&t)
                .with_context(|| format!("模板文件 {}", p.display()))?;
            Some(t)
        }
        None => None,
    };
    let db = Db::connect_existing(url).await?;
    let agency = db.agency(&args.agency).await?;
    let report = db.report(&args.agency, spec).await?;
    let template = match template_override {
        Some(t) => t,
        None => db
            .narrative_template(agency.id)
            .await?
            .unwrap_or_else(|| gongkai_export::DEFAULT_TEMPLATE.to_string()),
    };
    let bytes = gongkai_export::render(&report, &template, format)?;
    match &args.output {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).context("无法写到标准输出")?;
            out.flush().ok();
        }
    }
    if report.valid {
        Ok(0)
    } else {
        for c in report.failures() {
            eprintln!("校验未通过 {} {}：{}", c.rule, c.place, c.message);
        }
        Ok(1)
    }
}
