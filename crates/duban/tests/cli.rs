//! Black-box tests of the `duban` binary: the commands and exit codes of
//! `shared/contracts/cli-and-api.md`, the JSON of `check-json.md`, and the database commands on
//! a fresh SQLite file. `story` (in `tests/cli/`, part of this one test binary) runs a whole
//! reporting round over HTTP and ends with this binary's `audit verify`.

// Not `tests/story.rs`: cargo would build that as a second test binary.
#[path = "cli/story.rs"]
mod story;

#[path = "cli/audit_key.rs"]
mod audit_key;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed/000_ecbc4a422a46c8e6.txt")
}

fn duban() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_duban"));
    c.env_remove("DUBAN_DATABASE_URL")
        .env_remove("DUBAN_AUDIT_KEY_FILE")
        .env_remove("DUBAN_AUDIT_CHECKPOINT_DIR")
        .env_remove("DUBAN_FILES_DIR");
    c
}

fn run(args: &[&str]) -> Output {
    duban().args(args).output().expect("run duban")
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = duban()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn duban");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Fails loudly rather than skipping: CI requires the seed.
fn require_seed() -> PathBuf {
    let s = seed();
    assert!(s.exists(), "missing seed file {}", s.display());
    s
}

#[test]
fn check_as_of_judges_the_seed_as_part_year() {
    let seed = require_seed();
    let o = run(&[
        "check",
        seed.to_str().unwrap(),
        "--format",
        "json",
        "--as-of",
        "2022-10-31",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["as_of"], "2022-10-31");
    let tasks = doc["tasks"].as_array().unwrap();
    let scheduled = tasks.iter().filter(|t| !t["schedule"].is_null()).count();
    assert!(scheduled > 0, "part-year tasks carry a schedule");
    for t in tasks.iter().filter(|t| !t["schedule"].is_null()) {
        let s = t["schedule"].as_str().unwrap();
        assert!(["ahead", "on_track", "lagging"].contains(&s), "{s}");
    }
    // At year end (the document's own period) no task has a schedule.
    let o = run(&["check", seed.to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert!(
        doc["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["schedule"].is_null())
    );
    // A malformed date is refused with one line.
    let o = run(&["check", seed.to_str().unwrap(), "--as-of", "2022-13-01"]);
    assert!(!o.status.success() && !stderr(&o).trim().is_empty());
}

#[test]
fn check_json_follows_the_contract_on_the_seed() {
    let seed = require_seed();
    let o = run(&["check", seed.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    assert_eq!(doc["source"], seed.to_str().unwrap());
    assert_eq!(doc["format"], "txt");
    let tables = doc["tables"].as_array().unwrap();
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[0]["index"], 1);
    assert_eq!(tables[0]["claimed_rows"], 15);
    assert_eq!(tables[0]["rows"], 11);
    assert_eq!(tables[0]["office_verdict"], "not_met");
    assert_eq!(tables[1]["claimed_rows"], 116);
    assert_eq!(tables[1]["rows"], 115);
    assert_eq!(tables[1]["office_verdict"], "met");

    let tasks = doc["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 126);
    for t in tasks {
        for key in [
            "table",
            "row",
            "section",
            "text",
            "lead_units",
            "coop_units",
            "progress",
            "office_verdict",
            "verdict",
            "disputed",
            "targets",
        ] {
            assert!(t.get(key).is_some(), "task lacks {key}: {t}");
        }
        let disputed = !t["office_verdict"].is_null() && t["office_verdict"] != t["verdict"];
        assert_eq!(t["disputed"], disputed, "{t}");
        let contradicted = matches!(
            (t["office_verdict"].as_str(), t["verdict"].as_str()),
            (Some("met"), Some("not_met")) | (Some("not_met"), Some("met"))
        );
        assert_eq!(t["contradicted"], contradicted, "{t}");
        for target in t["targets"].as_array().unwrap() {
            let kind = target["kind"].as_str().unwrap();
            assert!(
                ["quantity", "growth", "share", "deliverable", "qualitative"].contains(&kind),
                "{kind}"
            );
            if let Some(ev) = target["evidence"].as_object() {
                // Offsets count Unicode scalar values into the progress text.
                let progress: Vec<char> = t["progress"].as_str().unwrap().chars().collect();
                let (s, e) = (
                    ev["start"].as_u64().unwrap() as usize,
                    ev["end"].as_u64().unwrap() as usize,
                );
                let span: String = progress[s..e].iter().collect();
                assert_eq!(span, ev["text"].as_str().unwrap());
            }
        }
    }
    // The first row of 附件1 is the contract's own example.
    let first = &tasks[0];
    assert_eq!(first["table"], 1);
    assert_eq!(first["row"], 1);
    assert_eq!(first["lead_units"], serde_json::json!(["区科技局"]));
    assert_eq!(first["verdict"], "not_met");
    let growth = first["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "growth")
        .expect("a growth target");
    assert_eq!(growth["value"], 15.0);
    assert_eq!(growth["unit"], "%");

    // 附件2 row 67 claims 306 good-air days met while its own text says 303.
    let air = tasks
        .iter()
        .find(|t| t["table"] == 2 && t["row"] == 67)
        .unwrap();
    assert_eq!(air["verdict"], "not_met");
    assert_eq!(air["contradicted"], true);

    let codes: Vec<&str> = doc["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"claimed_count_mismatch"));
    assert!(codes.contains(&"duplicate_sentence"));
    assert!(codes.contains(&"artifact"));
    for w in doc["warnings"].as_array().unwrap() {
        assert!(!w["location"].as_str().unwrap().is_empty(), "{w}");
    }
}

#[test]
fn check_table_aligns_chinese_columns() {
    let seed = require_seed();
    let o = run(&["check", seed.to_str().unwrap(), "--format", "table"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("区科技局"));
    assert!(out.contains("未完成"));
}

#[test]
fn unreadable_files_fail_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("台账.xlsx");
    std::fs::write(&bad, b"this is not a zip file").unwrap();
    let o = run(&["check", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("台账.xlsx"), "{err}");
    assert!(o.stdout.is_empty());

    let missing = dir.path().join("none.txt");
    let o = run(&["check", missing.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("none.txt"));
}

#[test]
fn report_writes_docx_and_xlsx_from_the_seed_and_the_xlsx_reimports_exactly() {
    let seed = require_seed();
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("报告.docx");
    let xlsx = dir.path().join("台账.xlsx");
    let o = run(&[
        "report",
        "--from",
        seed.to_str().unwrap(),
        "--out",
        docx.to_str().unwrap(),
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [&docx, &xlsx] {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            bytes.starts_with(b"PK"),
            "{} is not a zip package",
            f.display()
        );
    }
    // No temporary file left beside the outputs.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // The exported ledger re-imports silently and exactly.
    let check = |path: &Path| -> serde_json::Value {
        let o = run(&["check", path.to_str().unwrap(), "--format", "json"]);
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let (a, b) = (check(&seed), check(&xlsx));
    // Silent: no column of duban's own export is unknown to duban.
    let codes: Vec<&str> = b["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    for noisy in ["unknown_column", "skipped_row", "claimed_count_mismatch"] {
        assert!(
            !codes.contains(&noisy),
            "{noisy} on re-import: {}",
            b["warnings"]
        );
    }
    // Exact: the same tasks, units, the office's and the machine's verdicts.
    assert_eq!(a["year"], b["year"]);
    let (ta, tb) = (
        a["tasks"].as_array().unwrap(),
        b["tasks"].as_array().unwrap(),
    );
    assert_eq!(ta.len(), tb.len());
    for (x, y) in ta.iter().zip(tb) {
        for key in [
            "table",
            "row",
            "section",
            "text",
            "lead_units",
            "coop_units",
            "lead_groups",
            "coop_groups",
            "progress",
            "office_verdict",
            "verdict",
        ] {
            assert_eq!(
                x[key], y[key],
                "{key} of row {} of table {}",
                x["row"], x["table"]
            );
        }
    }
}

#[test]
fn report_warns_on_claimed_counts_and_gives_qualitative_tasks_their_own_place() {
    let seed = require_seed();
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("报告.docx");
    let o = run(&[
        "report",
        "--from",
        seed.to_str().unwrap(),
        "--out",
        docx.to_str().unwrap(),
        "--verdicts",
        "machine",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    // The seed claims 131 tasks, 15 unmet and 116 met; it lists 126, 11 and 115.
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("警告：")).collect();
    for (claimed, listed) in [("131", "126"), ("15", "11"), ("116", "115")] {
        assert!(
            warnings
                .iter()
                .any(|l| l.contains(&format!("称{claimed}项"))
                    && l.contains(&format!("列出{listed}项"))),
            "no warning for {claimed} against {listed}: {err}"
        );
    }

    // The machine's verdicts, as `check` reports them.
    let o = run(&["check", seed.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success());
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    let count = |v: &str| tasks.iter().filter(|t| t["verdict"] == v).count();
    let qualitative = count("qualitative");
    assert!(qualitative > 0);

    // The report, read back: 定性任务 in their own attachment, not under 尚待核实.
    let back = duban_ingest::read_path(&docx, &duban_ingest::Limits::default()).unwrap();
    let rows_of = |key: &str| {
        back.tables
            .iter()
            .filter(|t| t.title.as_deref().is_some_and(|x| x.contains(key)))
            .map(|t| t.rows)
            .sum::<usize>()
    };
    assert_eq!(rows_of("定性任务"), qualitative);
    assert_eq!(
        rows_of("尚待核实"),
        count("unverifiable") + tasks.iter().filter(|t| t["verdict"].is_null()).count()
    );
    assert_eq!(rows_of("未完成既定目标"), count("not_met"));
    assert_eq!(rows_of("已完成既定目标"), count("met"));
    assert_eq!(back.tasks.len(), tasks.len());
    // The issuing office the seed names heads the report again.
    assert_eq!(back.issuer.as_deref(), Some("重庆市沙坪坝区人民政府督查办"));
}

#[test]
fn database_commands_on_a_fresh_sqlite_file() {
    let seed = require_seed();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("duban.db");
    let url = format!("sqlite://{}", db.display());
    let u = url.as_str();

    let o = run(&["migrate", "--database-url", u]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(&[
        "import",
        seed.to_str().unwrap(),
        "--plan",
        "2022年重点任务",
        "--database-url",
        u,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("126 项任务"), "{}", stdout(&o));

    // The same file again is refused and nothing changes.
    let o = run(&["import", seed.to_str().unwrap(), "--database-url", u]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("已导入过"), "{}", stderr(&o));

    // A corrected version of the ledger updates the plan in place: every task found again.
    let corrected = dir.path().join("corrected.txt");
    let text = std::fs::read_to_string(&seed).unwrap();
    std::fs::write(&corrected, format!("{text}\n")).unwrap();
    let o = run(&[
        "import",
        corrected.to_str().unwrap(),
        "--plan",
        "2022年重点任务",
        "--update",
        "--database-url",
        u,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("更新126项任务，新增0项，文件中已无而保留0项"),
        "{}",
        stdout(&o)
    );
    let o = run(&[
        "import",
        corrected.to_str().unwrap(),
        "--plan",
        "没有这个计划",
        "--update",
        "--database-url",
        u,
    ]);
    assert!(
        !o.status.success() && stderr(&o).contains("没有可更新的计划"),
        "{}",
        stderr(&o)
    );

    // The URL may come from the environment instead.
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "kj",
            "--role",
            "unit",
            "--unit",
            "区科技局",
            "--password-stdin",
            "--must-change",
        ],
        "a-long-password\n",
    );
    assert!(
        !o.status.success(),
        "without a URL the default duban.db in the cwd is used"
    );
    let o = duban()
        .env("DUBAN_DATABASE_URL", u)
        .args([
            "user",
            "add",
            "kj",
            "--role",
            "unit",
            "--unit",
            "区科技局",
            "--password-stdin",
            "--must-change",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"a-long-password\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));

    // An account delayed by wrong passwords is unlocked from the command line.
    let o = run(&["user", "unlock", "kj", "--database-url", u]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已解除账号 kj"), "{}", stdout(&o));
    let o = run(&["user", "unlock", "nobody", "--database-url", u]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("没有名为“nobody”的账号"),
        "{}",
        stderr(&o)
    );

    // Refusals name their reason.
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "x",
            "--role",
            "unit",
            "--unit",
            "不存在的局",
            "--password-stdin",
            "--database-url",
            u,
        ],
        "a-long-password\n",
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("不存在的局"));
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
            "--database-url",
            u,
        ],
        "short\n",
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("密码至少10位"), "{}", stderr(&o));
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "kj",
            "--role",
            "leader",
            "--password-stdin",
            "--database-url",
            u,
        ],
        "a-long-password\n",
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("用户名已存在"), "{}", stderr(&o));

    let backup = dir.path().join("backup.jsonl");
    let o = run(&["backup", backup.to_str().unwrap(), "--database-url", u]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The backup restores into a new database whose audit chain holds, given the key file
    // its entries were signed with (another file's default key is refused).
    let burl = format!("sqlite://{}", dir.path().join("restored.db").display());
    let o = run(&["restore", backup.to_str().unwrap(), "--database-url", &burl]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("审计密钥与本数据库不符"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("restored.db.audit-key").exists());
    let key = dir.path().join("duban.db.audit-key");
    let key = key.to_str().unwrap();
    let o = run(&[
        "restore",
        backup.to_str().unwrap(),
        "--database-url",
        &burl,
        "--audit-key-file",
        key,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("所有登录会话已清除"), "{}", stdout(&o));
    let o = run(&[
        "audit",
        "verify",
        "--database-url",
        &burl,
        "--audit-key-file",
        key,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = run(&["audit", "verify", "--database-url", u]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("审计日志完整"));
}

#[test]
fn audit_verify_names_the_first_tampered_entry() {
    let seed = require_seed();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("duban.db");
    let url = format!("sqlite://{}", db.display());
    let o = run(&["import", seed.to_str().unwrap(), "--database-url", &url]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "office",
            "--role",
            "admin",
            "--password-stdin",
            "--database-url",
            &url,
        ],
        "a-long-password\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));

    tamper(&db);
    let o = run(&["audit", "verify", "--database-url", &url]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("第 1 条"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);
}

/// Rewrites the first audit entry's actor behind the application's back.
fn tamper(db: &Path) {
    let url = format!("sqlite://{}", db.display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .unwrap()
            .connect()
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
            .execute(&mut conn)
            .await
            .unwrap();
    });
}

/// A `duban serve` child process on a free port; killed on drop.
struct Server {
    child: std::process::Child,
    port: u16,
    /// What it printed before it listened.
    banner: String,
}

impl Server {
    fn start(url: &str, demo: bool) -> Server {
        let mut args = vec!["serve", "--bind", "127.0.0.1:0", "--database-url", url];
        if demo {
            args.push("--demo");
        }
        let mut child = duban()
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = Vec::new();
        let mut port = None;
        let deadline = Instant::now() + Duration::from_secs(120);
        while port.is_none() && Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
                port = rest.split('/').next().and_then(|p| p.parse::<u16>().ok());
            }
            seen.push(line);
        }
        let Some(port) = port else {
            let _ = child.kill();
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("no listening line in {seen:?}; stderr: {err}")
        };
        Server {
            child,
            port,
            banner: seen.join("\n"),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_demo_starts_answers_healthz_and_prints_the_logins() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let server = Server::start(&format!("sqlite://{}", db.display()), true);
    assert!(server.banner.contains("用户名 admin"), "{}", server.banner);

    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.ends_with("ok"), "{resp}");

    // A later start shows the same logins again, while their passwords are unchanged.
    let admin_line = |banner: &str| {
        banner
            .lines()
            .find(|l| l.contains("用户名 admin"))
            .map(str::trim)
            .map(String::from)
    };
    let first = admin_line(&server.banner).unwrap();
    drop(server);
    let again = Server::start(&format!("sqlite://{}", db.display()), true);
    assert_eq!(admin_line(&again.banner), Some(first), "{}", again.banner);
}

const ADMIN_PASSWORD: &str = "admin-password-1";

fn add_admin(url: &str) {
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "office",
            "--role",
            "admin",
            "--password-stdin",
            "--database-url",
            url,
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Logs in as the admin through the JSON API; returns the client (cookies kept) and CSRF token.
async fn admin_session(server: &Server) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(server.url("/api/session"))
        .json(&serde_json::json!({"username": "office", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    (client, v["csrf_token"].as_str().unwrap().to_string())
}

/// The tasks as the API lists them, without the database ids.
async fn api_tasks(server: &Server) -> Vec<serde_json::Value> {
    let (client, _) = admin_session(server).await;
    let v: serde_json::Value = client
        .get(server.url("/api/tasks?limit=1000"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut tasks = v["tasks"].as_array().unwrap().clone();
    for t in &mut tasks {
        t.as_object_mut().unwrap().remove("id");
    }
    tasks.sort_by_key(|t| (t["table"].as_u64(), t["row"].as_u64()));
    tasks
}

#[tokio::test]
async fn seed_imported_by_cli_and_by_browser_upload_gives_the_same_tasks() {
    let seed = require_seed();
    let bytes = std::fs::read(&seed).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cli_db = format!("sqlite://{}", dir.path().join("cli.db").display());
    let web_db = format!("sqlite://{}", dir.path().join("web.db").display());

    let o = run(&[
        "import",
        seed.to_str().unwrap(),
        "--plan",
        "2022",
        "--database-url",
        &cli_db,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    add_admin(&cli_db);
    add_admin(&web_db);

    // The browser's path: upload, preview, confirm.
    let web = Server::start(&web_db, false);
    let (client, csrf) = admin_session(&web).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("000_ecbc4a422a46c8e6.txt"),
        );
    let html = client
        .post(web.url("/import"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html
        .find("action=\"/import/")
        .expect("a preview with a confirm form")
        + "action=\"/import/".len();
    let token = &html[start..start + html[start..].find('/').unwrap()];
    let res = client
        .post(web.url(&format!("/import/{token}/confirm")))
        .form(&[("csrf", csrf.as_str()), ("plan_name", "2022")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    let from_web = api_tasks(&web).await;
    drop(web);
    let from_cli = api_tasks(&Server::start(&cli_db, false)).await;
    assert_eq!(from_cli.len(), 126);
    assert_eq!(from_web.len(), 126);
    for (a, b) in from_cli.iter().zip(&from_web) {
        assert_eq!(a, b);
    }
}

#[test]
fn serve_refuses_incomplete_reminder_settings_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let base = [
        "serve",
        "--database-url",
        url.as_str(),
        "--bind",
        "127.0.0.1:0",
    ];

    let o = run(&[&base[..], &["--smtp-host", "127.0.0.1"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--smtp-from"), "{}", stderr(&o));

    // The link put in emails must be an address a browser opens.
    let o = run(&[&base[..], &["--public-url", "duban.example.gov.cn"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--public-url"), "{}", stderr(&o));

    // The password is read from the named variable; a missing one is an error, not an
    // empty password.
    let o = duban()
        .args(base)
        .args([
            "--smtp-host",
            "127.0.0.1",
            "--smtp-from",
            "duban@example.gov.cn",
            "--smtp-password-env",
            "DUBAN_TEST_NO_SUCH_VARIABLE",
        ])
        .env_remove("DUBAN_TEST_NO_SUCH_VARIABLE")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("DUBAN_TEST_NO_SUCH_VARIABLE"),
        "{}",
        stderr(&o)
    );

    let o = run(&[
        &base[..],
        &[
            "--webhook-url",
            "http://127.0.0.1:9/hook",
            "--webhook-format",
            "telegram",
        ],
    ]
    .concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("webhook 格式"), "{}", stderr(&o));
}

#[test]
fn serve_refuses_unsafe_or_incomplete_proxy_and_directory_settings() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let base = [
        "serve",
        "--database-url",
        url.as_str(),
        "--bind",
        "127.0.0.1:0",
    ];
    // Each refused before the service starts, naming the flag or value at fault.
    for (extra, says) in [
        // The header used to be believed from anyone; now only from a trusted proxy.
        (&["--client-ip-header", "X-Real-IP"][..], "--trusted-proxy"),
        (&["--trusted-proxy", "10.0.0.0/33"][..], "10.0.0.0/33"),
        (&["--base-path", "/a b"][..], "基础路径"),
        (&["--ldap-url", "ldap://127.0.0.1:9"][..], "--ldap-base-dn"),
        (
            &["--ldap-url", "ldap://127.0.0.1:9", "--ldap-base-dn", "dc=x"][..],
            "--ldap-admin-group",
        ),
    ] {
        let o = run(&[&base[..], extra].concat());
        assert!(!o.status.success(), "{extra:?} accepted");
        assert!(stderr(&o).contains(says), "{extra:?}: {}", stderr(&o));
    }
}

#[test]
fn serve_refuses_bad_tls_and_signing_settings_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("duban.db").display());
    let base = [
        "serve",
        "--database-url",
        url.as_str(),
        "--bind",
        "127.0.0.1:0",
    ];
    let smtp = [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-from",
        "duban@example.gov.cn",
    ];

    let o = run(&[&base[..], &smtp[..], &["--smtp-tls", "ssl3"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--smtp-tls"), "{}", stderr(&o));

    // A CA file that is not a PEM certificate is refused, not silently ignored.
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let not_pem = not_pem.display().to_string();
    let o = run(&[&base[..], &smtp[..], &["--smtp-ca-file", not_pem.as_str()]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("PEM"), "{}", stderr(&o));

    // TLS settings without a relay, a secret without a webhook.
    let o = run(&[&base[..], &["--smtp-tls", "smtps"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--smtp-host"), "{}", stderr(&o));
    let o = run(&[&base[..], &["--webhook-secret-env", "X"]].concat());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--webhook-url"), "{}", stderr(&o));

    // The DingTalk secret comes from the named variable; WeCom robots take none.
    let o = duban()
        .args(base)
        .args([
            "--webhook-url",
            "https://oapi.dingtalk.com/robot/send?access_token=t",
            "--webhook-format",
            "wecom",
            "--webhook-secret-env",
            "DUBAN_TEST_ROBOT_SECRET",
        ])
        .env("DUBAN_TEST_ROBOT_SECRET", "SECabc")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("钉钉"), "{}", stderr(&o));
}

/// `duban files check`: every file the database lists in the files directory is there and
/// unaltered, else each is named and the command fails.
#[test]
fn files_check_names_missing_and_altered_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("duban.db");
    let files = dir.path().join("files");
    let url = format!("sqlite://{}", db.display());
    let (u, f) = (url.as_str(), files.to_str().unwrap());
    let o = run(&["files", "check", "--database-url", u, "--files-dir", f]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("附件完好：0 份附件"), "{}", stdout(&o));

    // Two contents listed as kept in the directory: one there intact, one altered; a third
    // listed and absent.
    let put = |content: &[u8]| -> String {
        let out = std::process::Command::new("sha256sum")
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().unwrap().write_all(content)?;
                c.wait_with_output()
            })
            .expect("sha256sum");
        String::from_utf8_lossy(&out.stdout)[..64].to_string()
    };
    let (good, bad, gone) = (put(b"%PDF-1 good"), put(b"%PDF-1 bad"), put(b"%PDF-1 gone"));
    for (sha, content) in [(&good, &b"%PDF-1 good"[..]), (&bad, &b"%PDF-1 changed"[..])] {
        let p = files.join(&sha[..2]).join(&sha[2..4]);
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join(sha), content).unwrap();
    }
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(u).await.unwrap();
        for sha in [&good, &bad, &gone] {
            sqlx::query(
                "INSERT INTO file_blobs (sha256, size, content, in_dir) VALUES ($1, 11, x'', 1)",
            )
            .bind(sha)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    });
    let o = run(&["files", "check", "--database-url", u, "--files-dir", f]);
    assert!(!o.status.success());
    let out = stdout(&o);
    assert!(out.contains(&format!("{bad}  文件内容已被改动")), "{out}");
    assert!(out.contains(&format!("{gone}  文件内容缺失")), "{out}");
    assert!(!out.contains(&good), "an intact file is not listed: {out}");
    assert!(
        stderr(&o).contains("2 份附件内容缺失或已被改动"),
        "{}",
        stderr(&o)
    );
}
