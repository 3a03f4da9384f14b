//! Settings: one JSON value per agency and key (`agency_setting`, migration 0008), one text
//! value per deployment and key (`deployment_setting`).
//! The trading rules' configuration is the first ([`RULES_KEY`]): an agency without it uses
//! [`RuleConfig::default`]. Everything that applies the rules to an agency's notices (import,
//! `notices check`, the back office) reads it through [`Db::rule_config`] or
//! [`Tx::rule_config`].

use gongkai_domain::trading::{RuleConfig, check_ocid_prefix};
use serde_json::Value;
use sqlx::types::Json;

use crate::{Db, DbError, Tx, on_db, on_tx};

/// The key of an agency's trading rule configuration (`RuleConfig` as JSON).
pub const RULES_KEY: &str = "trading.rules";

/// The key of the deployment's OCDS `ocid` prefix: new sections get their `ocid` with it.
pub const OCID_PREFIX_KEY: &str = "ocid_prefix";

fn config_of(stored: Option<Value>) -> Result<RuleConfig, DbError> {
    match stored {
        Some(v) => Ok(RuleConfig::from_json(&v)?),
        None => Ok(RuleConfig::default()),
    }
}

impl Db {
    /// An agency's configuration of the trading rules (the defaults when none is stored).
    pub async fn rule_config(&self, agency_code: &str) -> Result<RuleConfig, DbError> {
        let agency = self.agency(agency_code).await?;
        let row: Option<(Json<Value>,)> = on_db!(self, p => sqlx::query_as(
            "SELECT value FROM agency_setting WHERE agency_id = $1 AND key = $2")
            .bind(agency.id).bind(RULES_KEY).fetch_optional(p).await?);
        config_of(row.map(|(Json(v),)| v))
    }
}

impl Db {
    /// The deployment's OCDS `ocid` prefix ([`crate::trading::DEFAULT_OCID_PREFIX`] until one
    /// is set).
    pub async fn ocid_prefix(&self) -> Result<String, DbError> {
        let row: Option<(String,)> = on_db!(self, p => sqlx::query_as(
            "SELECT value FROM deployment_setting WHERE key = $1")
            .bind(OCID_PREFIX_KEY).fetch_optional(p).await?);
        Ok(row.map_or_else(|| crate::trading::DEFAULT_OCID_PREFIX.to_string(), |(v,)| v))
    }

    /// Sets the deployment's OCDS `ocid` prefix (validated: `ocds-` and 6 lower-case letters or
    /// digits, the error naming `field`) with `entry` as its audit row, when it differs from
    /// the stored one; returns whether it changed. Sections already stored keep their `ocid`.
    pub async fn set_ocid_prefix(
        &self,
        prefix: &str,
        field: &str,
        entry: &crate::AuditEntry,
    ) -> Result<bool, DbError> {
        check_ocid_prefix(prefix, field)?;
        if self.ocid_prefix().await? == prefix {
            return Ok(false);
        }
        let entry = entry.clone().detail(prefix.to_string());
        self.write(&entry, async |tx| {
            on_tx!(tx, c => sqlx::query(
                "INSERT INTO deployment_setting (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                 updated_at = CURRENT_TIMESTAMP")
                .bind(OCID_PREFIX_KEY).bind(prefix).execute(&mut *c).await.map(|_| ())?);
            Ok(())
        })
        .await?;
        Ok(true)
    }
}

impl Tx {
    /// [`Db::ocid_prefix`] within the transaction.
    pub async fn ocid_prefix(&mut self) -> Result<String, DbError> {
        let row: Option<(String,)> = on_tx!(self, c => sqlx::query_as(
            "SELECT value FROM deployment_setting WHERE key = $1")
            .bind(OCID_PREFIX_KEY).fetch_optional(&mut *c).await?);
        Ok(row.map_or_else(|| crate::trading::DEFAULT_OCID_PREFIX.to_string(), |(v,)| v))
    }

    /// Sets one JSON setting of an agency (replacing the stored value).
    pub async fn set_agency_setting(
        &mut self,
        agency_code: &str,
        key: &str,
        value: &Value,
    ) -> Result<(), DbError> {
        let agency = self.lock_agency(agency_code).await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO agency_setting (agency_id, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (agency_id, key) DO UPDATE SET value = excluded.value, \
             updated_at = CURRENT_TIMESTAMP")
            .bind(agency.id).bind(key).bind(Json(value))
            .execute(&mut *c).await.map(|_| ())?);
        self.note_public_change(agency.id, crate::ChangeKind::Site, agency.id)
            .await
    }

    /// [`Db::rule_config`] within the transaction.
    pub async fn rule_config(&mut self, agency_id: i64) -> Result<RuleConfig, DbError> {
        let row: Option<(Json<Value>,)> = on_tx!(self, c => sqlx::query_as(
            "SELECT value FROM agency_setting WHERE agency_id = $1 AND key = $2")
            .bind(agency_id).bind(RULES_KEY).fetch_optional(&mut *c).await?);
        config_of(row.map(|(Json(v),)| v))
    }

    /// Replaces an agency's configuration of the trading rules, and brings the completion of
    /// its sections (contracts.md §3.4, which depends on the configured stages) up to date.
    pub async fn set_rule_config(
        &mut self,
        agency_code: &str,
        cfg: &RuleConfig,
    ) -> Result<(), DbError> {
        let agency = self.lock_agency(agency_code).await?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO agency_setting (agency_id, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (agency_id, key) DO UPDATE SET value = excluded.value, \
             updated_at = CURRENT_TIMESTAMP")
            .bind(agency.id).bind(RULES_KEY).bind(Json(cfg.to_json()))
            .execute(&mut *c).await.map(|_| ())?);
        let sections: Vec<(i64,)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id FROM section WHERE agency_id = $1 ORDER BY id")
            .bind(agency.id).fetch_all(&mut *c).await?);
        let ids: Vec<i64> = sections.into_iter().map(|(id,)| id).collect();
        self.update_completion(&ids, &cfg.full_process).await
    }
}
