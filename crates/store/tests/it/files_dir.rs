//! Evidence files kept in a files directory (`--files-dir`), on both backends: stored by
//! SHA-256 in a sharded path with only the metadata in the database; served from the
//! directory; a missing or altered file reported (download and check), not a panic; backups
//! carry the contents and restores write them back to the directory, or to the database.

use anyhow::{Context, Result, ensure};
use duban_store::{
    AttachmentOwner, FileProblem, FilesDir, NewFile, Scope, StoreError, StoreOptions, TaskFilter,
    restore_url,
};

use crate::support::{Ctx, Scratch, on_each_backend, sample_ledger, sha};

fn pdf(tag: &str) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.extend_from_slice(tag.as_bytes());
    b.extend((0u8..=255).collect::<Vec<u8>>());
    b.extend_from_slice(b"\n%%EOF\n");
    b
}

fn hex_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn files_in_a_directory_are_served_checked_backed_up_and_restored() -> Result<()> {
    on_each_backend(|ctx: Ctx| async move {
        let root = std::env::temp_dir().join(format!("duban_files_it_{}", rand_tag()));
        let dir = FilesDir::open(&root.join("files"))?;
        let store = ctx.store.clone().with_files_dir(dir.clone());
        store
            .import_ledger("2022年", &sample_ledger(), "a.txt", &sha(7), "admin")
            .await?;
        let plan = store.plans().await?[0].id;
        let (tasks, _) = store
            .list_tasks(plan, &TaskFilter::default(), &Scope::All)
            .await?;
        let detail = store
            .task(tasks[0].id, &Scope::All)
            .await?
            .context("task")?;
        let lead = detail.lead.first().context("a lead unit")?.id;

        // A close-out application with two files: both land in the directory.
        let (a, b) = (pdf("验收"), pdf("照片"));
        let c = store
            .apply_closeout(
                tasks[0].id,
                lead,
                "已全部完成。",
                &[
                    NewFile {
                        name: "验收报告.pdf".into(),
                        bytes: a.clone(),
                    },
                    NewFile {
                        name: "现场照片.pdf".into(),
                        bytes: b.clone(),
                    },
                ],
                1 << 20,
                "unit",
            )
            .await?;
        let (sa, sb) = (hex_sha(&a), hex_sha(&b));
        let path_a = dir.path_of(&sa).context("path")?;
        ensure!(
            path_a.ends_with(format!("{}/{}/{sa}", &sa[..2], &sa[2..4])),
            "sharded: {}",
            path_a.display()
        );
        ensure!(std::fs::read(&path_a)? == a, "written as sent");
        ensure!(
            ctx.count("SELECT COUNT(*) FROM file_blobs WHERE in_dir = 1 AND size > 0")
                .await?
                == 2,
            "the database keeps the metadata"
        );
        ensure!(
            ctx.count("SELECT COUNT(*) FROM file_blobs WHERE in_dir = 1 AND length(content) = 0")
                .await?
                == 2,
            "and not the content"
        );
        let listed = store
            .attachments_of(AttachmentOwner::Closeout(c.id), &Scope::All)
            .await?;
        ensure!(listed.len() == 2);
        let (ida, idb) = (listed[0].id, listed[1].id);
        let (_, got) = store
            .attachment_content(ida, &Scope::All)
            .await?
            .context("served")?;
        ensure!(got == a, "served from the directory");
        ensure!(store.verify_files().await?.is_empty(), "all intact");

        // Altered, then missing: the download says so in Chinese, the check lists it.
        std::fs::write(&path_a, b"%PDF-1.4 tampered")?;
        match store.attachment_content(ida, &Scope::All).await {
            Err(StoreError::FileBroken(m)) => {
                ensure!(m.contains("验收报告.pdf") && m.contains("已被改动"), "{m}")
            }
            other => anyhow::bail!("an altered file served: {other:?}"),
        }
        let path_b = dir.path_of(&sb).context("path")?;
        std::fs::remove_file(&path_b)?;
        match store.attachment_content(idb, &Scope::All).await {
            Err(StoreError::FileBroken(m)) => ensure!(m.contains("缺失"), "{m}"),
            other => anyhow::bail!("a missing file served: {other:?}"),
        }
        let broken = store.verify_files().await?;
        ensure!(broken.len() == 2, "{broken:?}");
        ensure!(broken.iter().any(|f| f.sha256 == sa
            && f.problem == FileProblem::Altered
            && f.names == ["验收报告.pdf"]));
        ensure!(
            broken
                .iter()
                .any(|f| f.sha256 == sb && f.problem == FileProblem::Missing)
        );
        // A backup refuses to leave a broken file out silently.
        let refused = root.join("refused.jsonl");
        match store.backup(&refused).await {
            Err(e) => ensure!(e.to_string().contains(&sa), "{e}"),
            Ok(_) => anyhow::bail!("backed up without a file's content"),
        }

        // Put back, then back up: the backup holds the contents.
        std::fs::write(&path_a, &a)?;
        std::fs::write(&path_b, &b)?;
        ensure!(store.verify_files().await?.is_empty());
        let backup = root.join("backup.jsonl");
        store.backup(&backup).await?;
        let text = std::fs::read_to_string(&backup)?;
        ensure!(text.contains(&hex::encode(&a)), "the content in the backup");

        // Restored into a database without a directory: the contents go into it.
        let plain = Scratch::sqlite()?;
        restore_url(&plain.url, &backup, StoreOptions::for_tests()).await?;
        let s = duban_store::Store::connect_with(&plain.url, StoreOptions::for_tests()).await?;
        let (_, got) = s
            .attachment_content(ida, &Scope::All)
            .await?
            .context("restored")?;
        ensure!(got == a, "served from the database after the restore");
        s.close().await;
        plain.drop_it().await?;

        // Restored with another directory: the contents are written there.
        let mut scratches = vec![Scratch::sqlite()?];
        scratches.extend(Scratch::postgres().await?);
        for scratch in scratches {
            let other = root.join(format!("restored-files-{}", rand_tag()));
            let opts = StoreOptions {
                files_dir: Some(other.clone()),
                ..StoreOptions::for_tests()
            };
            restore_url(&scratch.url, &backup, opts.clone()).await?;
            let again = FilesDir::open(&other)?;
            ensure!(
                again.get(&sb).ok() == Some(b.clone()),
                "written back to the directory"
            );
            let s = duban_store::Store::connect_with(&scratch.url, opts).await?;
            let (_, got) = s
                .attachment_content(idb, &Scope::All)
                .await?
                .context("restored")?;
            ensure!(got == b);
            ensure!(s.verify_files().await?.is_empty());
            s.close().await;
            scratch.drop_it().await?;
        }
        let _ = std::fs::remove_dir_all(&root);
        Ok(())
    })
    .await
}

fn rand_tag() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}
