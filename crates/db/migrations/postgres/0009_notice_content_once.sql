-- Each notice version's canonical JSON is stored once (issue 9, import speed): the current
-- version's in `notice.content` (as before), earlier versions' in `notice_version.content`,
-- NULL exactly while the row is its notice's current version. See the SQLite migration of the
-- same name.

ALTER TABLE notice_version ALTER COLUMN content DROP NOT NULL;
UPDATE notice_version v SET content = NULL
FROM notice n
WHERE n.id = v.notice_id AND n.content IS NOT NULL AND n.version = v.version
  AND n.content_hash = v.content_hash;
