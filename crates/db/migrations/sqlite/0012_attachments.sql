-- Attachments (附件) of a catalogue item's version (issue 10): stored as the version's files in
-- item_file, like a report's snapshot, so that a file, its version and the publication log's
-- hash of both are written in one transaction and copied by one backup. The text the bounded
-- readers extracted from an attachment at upload is kept for the pre-publication checks:
-- NULL when the file's type carries no text the checks read, or when its text could not be
-- read (unreadable = 1). SQLite dialect; the other file of the same number adds the same columns.
ALTER TABLE item_file ADD COLUMN extracted_text TEXT;
ALTER TABLE item_file ADD COLUMN unreadable INTEGER NOT NULL DEFAULT 0;
-- A 解读 (policy interpretation) names the item whose policy it interprets (mirrored from its
-- version's fields, checked to be an item of the same agency when written).
ALTER TABLE disclosure_item ADD COLUMN interprets_id BIGINT;
