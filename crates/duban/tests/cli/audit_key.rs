//! The audit key file and checkpoints through the command line, on SQLite and (when
//! `DUBAN_TEST_PG_URL` is set) PostgreSQL: created at first start, recorded by backups,
//! truncation named by its checkpoint, a wrong or missing key file named as such, and a
//! restore that verifies.
use std::path::{Path, PathBuf};

use super::{run, run_with_stdin, stderr, stdout};

/// Runs SQL behind the application's back (the test's own statements, not input).
fn raw(url: &str, sql: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if url.starts_with("sqlite:") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    });
}

/// One database to run the story on, and how the key is given: SQLite relies on the
/// default (beside the file), PostgreSQL on `--audit-key-file`.
struct Target {
    url: String,
    key: PathBuf,
    key_args: Vec<String>,
    pg_admin: Option<String>,
}

fn targets(dir: &Path) -> Vec<Target> {
    let db = dir.join("duban.db");
    let mut out = vec![Target {
        url: format!("sqlite://{}", db.display()),
        key: dir.join("duban.db.audit-key"),
        key_args: Vec::new(),
        pg_admin: None,
    }];
    if let Ok(admin) = std::env::var("DUBAN_TEST_PG_URL")
        && !admin.trim().is_empty()
    {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let url = rt
            .block_on(super::story::create_pg_database(&admin))
            .unwrap();
        let key = dir.join("pg").join("duban.audit-key");
        std::fs::create_dir_all(key.parent().unwrap()).unwrap();
        out.push(Target {
            url,
            key_args: vec!["--audit-key-file".into(), key.display().to_string()],
            key,
            pg_admin: Some(admin),
        });
    }
    out
}

impl Target {
    fn run(&self, args: &[&str]) -> std::process::Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--database-url", &self.url]);
        all.extend(self.key_args.iter().map(String::as_str));
        run(&all)
    }

    fn add_user(&self, name: &str) {
        let mut args = vec![
            "user",
            "add",
            name,
            "--role",
            "leader",
            "--password-stdin",
            "--database-url",
            &self.url,
        ];
        args.extend(self.key_args.iter().map(String::as_str));
        let o = run_with_stdin(&args, "a-long-password\n");
        assert!(o.status.success(), "{}", stderr(&o));
    }

    fn checkpoints(&self) -> PathBuf {
        duban_store::default_checkpoint_dir(&self.key)
    }
}

#[test]
fn key_file_checkpoints_truncation_wrong_key_and_restore_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for t in targets(dir.path()) {
        // First start: the key file is made, private, and a checkpoint records the head.
        let o = t.run(&["migrate"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let key = std::fs::read_to_string(&t.key).expect("key file created at first start");
        assert_eq!(key.trim().len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&t.key).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        t.add_user("leader1");

        // A backup records the head in its header and in a checkpoint; the key stays out.
        let b1 = dir
            .path()
            .join(format!("b1-{}.jsonl", t.pg_admin.is_some()));
        let o = t.run(&["backup", b1.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("审计检查点已写入"), "{}", stdout(&o));
        let text = std::fs::read_to_string(&b1).unwrap();
        assert!(text.lines().next().unwrap().contains("\"audit_head\""));
        assert!(!text.contains(key.trim()), "the key went into the backup");

        t.add_user("leader2");
        let b2 = dir
            .path()
            .join(format!("b2-{}.jsonl", t.pg_admin.is_some()));
        let o = t.run(&["backup", b2.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let o = t.run(&["audit", "verify"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("个检查点一致"), "{}", stdout(&o));

        // The auditors' attack: the newest entry deleted and the head rewound.
        raw(
            &t.url,
            "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log); \
             UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit_log), \
             hash = (SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1) WHERE id = 1;",
        );
        let o = t.run(&["audit", "verify"]);
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(err.contains("截断") && err.contains("backup.json"), "{err}");

        // A wrong key file and a missing one are named as that, not as tampering.
        let wrong = dir.path().join("wrong.audit-key");
        std::fs::write(&wrong, format!("{}\n", "ab".repeat(32))).unwrap();
        let o = run(&[
            "audit",
            "verify",
            "--database-url",
            &t.url,
            "--audit-key-file",
            wrong.to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(
            err.contains("密钥与本数据库不符") && !err.contains("第 1 条审计记录"),
            "{err}"
        );
        let o = run(&[
            "audit",
            "verify",
            "--database-url",
            &t.url,
            "--audit-key-file",
            dir.path().join("missing.audit-key").to_str().unwrap(),
        ]);
        assert!(!o.status.success());
        assert!(stderr(&o).contains("不存在"), "{}", stderr(&o));

        // Restoring the first backup (before the truncation) with the same key file: the
        // later checkpoints are moved aside, and the restored database verifies.
        let o = t.run(&["restore", b1.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("已移至"), "{}", stdout(&o));
        let o = t.run(&["audit", "verify"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let superseded = std::fs::read_dir(t.checkpoints())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with("superseded-"));
        assert!(superseded);

        if let Some(admin) = &t.pg_admin {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(super::story::drop_pg_database(admin, &t.url))
                .unwrap();
        }
    }
}
