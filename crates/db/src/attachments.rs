//! Attachments (附件) of a catalogue item's version (issue 10 item 1).
//!
//! An attachment is a file of the version in work, stored in `item_file` with its SHA-256 like
//! a report's snapshot — so the file, its version and (at publication) the log entry that
//! hashes both are one transaction, one backup, and the same on every node — and with the text
//! the caller's bounded reader extracted from it for the pre-publication checks
//! (`extracted_text`, or `unreadable`). Which files may be attached, how large and under which
//! name is the domain's (`publishing::attachment_type`, `attachment_name`); who may attach is
//! `authorize` (`Action::DraftItems` on the item's agency), and only while the version is a
//! draft or returned. Attaching or removing a file makes the caller the version's author, as
//! an edit does (separation of duties). A correction starts with the public version's files.
//! The public site serves a file only of a version that was published ([`Db::public_file`]).

use gongkai_domain::auth::{Action, Principal, Resource, authorize};
use gongkai_domain::publishing::{
    MAX_ATTACHMENTS, Step, attachment_name, attachment_type, next_state, sha256_hex,
};
use time::OffsetDateTime;

use crate::publishing::FileRow;
use crate::{Db, DbError, Tx, on_db, on_tx};

/// A file to attach: its name as sent, its bytes, and what the caller's bounded reader made
/// of its text (`text`: the text, when the type carries text the checks read; `unreadable`:
/// the type carries text but it could not be read).
#[derive(Debug, Clone, Default)]
pub struct NewAttachment {
    pub name: String,
    pub bytes: Vec<u8>,
    pub text: Option<String>,
    pub unreadable: bool,
}

impl Tx {
    /// The version in work of an item that takes attachments, after the checks every change
    /// of its files makes: the caller may draft in the item's agency, the item is not a year's
    /// report, and the version is a draft or returned. Returns the version.
    async fn files_in_work(&mut self, p: &Principal, item_id: i64) -> Result<i32, DbError> {
        let ((_, _, _, index, version, _), path) = self.item_head(item_id).await?;
        authorize(p, Action::DraftItems, Resource::Agency(&path))?;
        if self.subject_of(item_id, &index).await?.1 {
            return Err(DbError::Conflict(
                "年度报告的文件由起草时生成，不能上传或删除附件".into(),
            ));
        }
        let v = self.version_row(item_id, version).await?;
        next_state(v.state, Step::Edit, &[], 0).map_err(DbError::Conflict)?;
        Ok(version)
    }

    /// Marks the version in work as changed by `p` (its author for separation of duties).
    async fn touched(
        &mut self,
        p: &Principal,
        item_id: i64,
        version: i32,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query(
            "UPDATE item_version SET author_id = $1, updated_at = $2 WHERE item_id = $3 AND version = $4")
            .bind(p.user_id).bind(now).bind(item_id).bind(version)
            .execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// Attaches a file to the version in work of an item (a file of the same name is
    /// replaced). Refused: a type not allowed or not what its extension says, a file over the
    /// size limit, a bad name, more than `MAX_ATTACHMENTS` files, a version in review.
    pub async fn attach(
        &mut self,
        p: &Principal,
        item_id: i64,
        file: NewAttachment,
        now: OffsetDateTime,
    ) -> Result<FileRow, DbError> {
        let version = self.files_in_work(p, item_id).await?;
        let name = attachment_name(&file.name)?;
        let t = attachment_type(&name, &file.bytes)?;
        let others: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT COUNT(*) FROM item_file WHERE item_id = $1 AND version = $2 AND name <> $3")
            .bind(item_id).bind(version).bind(&name).fetch_one(&mut *c).await?);
        if others >= MAX_ATTACHMENTS as i64 {
            return Err(gongkai_domain::DomainError::invalid(
                "附件",
                format!("每个版本最多 {MAX_ATTACHMENTS} 个附件"),
            )
            .into());
        }
        let row = FileRow {
            version,
            name,
            content_type: t.content_type.to_string(),
            size: file.bytes.len() as i64,
            sha256: sha256_hex(&file.bytes),
        };
        let text = if t.has_text && !file.unreadable {
            file.text
        } else {
            None
        };
        let unreadable = i32::from(t.has_text && file.unreadable);
        on_tx!(self, c => sqlx::query(
            "DELETE FROM item_file WHERE item_id = $1 AND version = $2 AND name = $3")
            .bind(item_id).bind(version).bind(&row.name).execute(&mut *c).await.map(|_| ())?);
        on_tx!(self, c => sqlx::query(
            "INSERT INTO item_file (item_id, version, name, content_type, size, sha256, content, \
             extracted_text, unreadable) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(item_id).bind(version).bind(&row.name).bind(&row.content_type).bind(row.size)
            .bind(&row.sha256).bind(&file.bytes).bind(&text).bind(unreadable)
            .execute(&mut *c).await.map(|_| ())?);
        self.touched(p, item_id, version, now).await?;
        Ok(row)
    }

    /// Removes a file from the version in work of an item.
    pub async fn detach(
        &mut self,
        p: &Principal,
        item_id: i64,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let version = self.files_in_work(p, item_id).await?;
        let gone = on_tx!(self, c => sqlx::query(
            "DELETE FROM item_file WHERE item_id = $1 AND version = $2 AND name = $3")
            .bind(item_id).bind(version).bind(name).execute(&mut *c).await?.rows_affected());
        if gone == 0 {
            return Err(DbError::NotFound(format!(
                "第 {version} 版没有名为“{name}”的附件"
            )));
        }
        self.touched(p, item_id, version, now).await
    }

    /// Copies the files of an item's version `from` to its new version `to` (a correction
    /// starts from the public version's attachments).
    pub(crate) async fn copy_files(
        &mut self,
        item_id: i64,
        from: i32,
        to: i32,
    ) -> Result<(), DbError> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO item_file (item_id, version, name, content_type, size, sha256, content, \
             extracted_text, unreadable) \
             SELECT item_id, $3, name, content_type, size, sha256, content, extracted_text, unreadable \
             FROM item_file WHERE item_id = $1 AND version = $2 ORDER BY id")
            .bind(item_id).bind(from).bind(to).execute(&mut *c).await.map(|_| ())?);
        Ok(())
    }

    /// The attachments of a version as the checks see them: (name, size, extracted text,
    /// unreadable).
    pub(crate) async fn attachment_texts(
        &mut self,
        item_id: i64,
        version: i32,
    ) -> Result<Vec<(String, i64, Option<String>, bool)>, DbError> {
        let rows: Vec<(String, i64, Option<String>, i32)> = on_tx!(self, c => sqlx::query_as(
            "SELECT name, size, extracted_text, unreadable FROM item_file \
             WHERE item_id = $1 AND version = $2 ORDER BY id")
            .bind(item_id).bind(version).fetch_all(&mut *c).await?);
        Ok(rows
            .into_iter()
            .map(|(n, s, t, u)| (n, s, t, u != 0))
            .collect())
    }
}

impl Db {
    /// The code of the agency an item belongs to (a light lookup for guards that must refuse
    /// before reading an upload); `NotFound` when there is no such item.
    pub async fn item_agency(&self, item_id: i64) -> Result<String, DbError> {
        let code: Option<String> = on_db!(self, p => sqlx::query_scalar(
            "SELECT a.code FROM disclosure_item i JOIN agency a ON a.id = i.agency_id WHERE i.id = $1")
            .bind(item_id).fetch_optional(p).await?);
        code.ok_or_else(|| DbError::NotFound(format!("未找到主动公开信息 {item_id}")))
    }

    /// A file of a published version of a public item of an agency: (content type, bytes), or
    /// `None` when the item is not public, the version was never published or has no such file.
    pub async fn public_file(
        &self,
        agency_id: i64,
        item_id: i64,
        version: i32,
        name: &str,
    ) -> Result<Option<(String, Vec<u8>)>, DbError> {
        Ok(on_db!(self, p => sqlx::query_as(
            "SELECT f.content_type, f.content FROM item_file f \
             JOIN disclosure_item i ON i.id = f.item_id \
             JOIN item_version v ON v.item_id = f.item_id AND v.version = f.version \
             WHERE f.item_id = $1 AND i.agency_id = $2 AND f.version = $3 AND f.name = $4 \
             AND i.state IN ('published', 'corrected') AND v.published_at IS NOT NULL")
            .bind(item_id).bind(agency_id).bind(version).bind(name).fetch_optional(p).await?))
    }
}
