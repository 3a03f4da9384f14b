-- Publication to channels (issue 10): an item's version names the channels it goes out on, and
-- publishing it records a post on each. The post names the item it came from (NULL for a post
-- entered as a record); its reads are entered later through the records (natural key channel,
-- title, date). SQLite dialect; the other file of the same number adds the same column.
ALTER TABLE channel_post ADD COLUMN item_id BIGINT REFERENCES disclosure_item(id);
CREATE INDEX channel_post_item ON channel_post(item_id);
