"""The message search index on PostgreSQL (migration 0002): the GIN index and the triggers
of ``chat.models.MessageSearch`` (``chat_message_search``), which holds one row per
searchable message: neither deleted nor hidden, and with text. Triggers on the room event
log keep it exact on every write path (post, edit, delete, hide, unhide, erasure), so no
code path can forget it, and what is hidden or deleted is out of the index at commit.

The document holds each word twice: stemmed by the language of the room's community when it
has exactly one language with a PostgreSQL configuration ("fietsen" -> "fiets" in a Dutch
community), and as written (``simple``), so a query matches in any language and exact words
rank too.
"""

from __future__ import annotations

# ISO 639-1 codes -> PostgreSQL text search configurations (those a stock server has).
# Languages without one (Polish, Estonian, Czech, ...) are searched with ``simple``.
CONFIGS = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "da": "danish",
    "nl": "dutch", "en": "english", "fi": "finnish", "fr": "french", "de": "german",
    "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


def config_for(language: str | None) -> str:
    """The configuration of a BCP-47 tag ("nl", "nl-BE"), ``simple`` when unknown."""
    if not language:
        return "simple"
    return CONFIGS.get(language.split("-")[0].lower(), "simple")


_CASE = "\n".join(f"        WHEN '{code}' THEN '{cfg}'" for code, cfg in sorted(CONFIGS.items()))

CREATE = f"""
CREATE INDEX chat_message_search_document ON chat_message_search USING gin (document);

CREATE FUNCTION chat_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE lower(split_part(coalesce(language, ''), '-', 1))
{_CASE}
        ELSE 'simple' END)::regconfig
$$;

CREATE FUNCTION chat_message_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cfg regconfig;
BEGIN
    IF NEW.kind <> 'message' OR NEW.deleted_at IS NOT NULL OR NEW.hidden_at IS NOT NULL
       OR NEW.body = '' THEN
        DELETE FROM chat_message_search WHERE message_id = NEW.id;
        RETURN NULL;
    END IF;
    SELECT chat_search_config(
               CASE WHEN jsonb_array_length(c.languages) = 1 THEN c.languages ->> 0 END)
      INTO cfg
      FROM community_room r LEFT JOIN community_community c ON c.id = r.community_id
     WHERE r.id = NEW.room_id;
    cfg := coalesce(cfg, 'simple'::regconfig);
    INSERT INTO chat_message_search
        (message_id, room_id, author_id, created_at, has_file, config, document)
    VALUES (NEW.id, NEW.room_id, NEW.author_id, NEW.created_at,
            coalesce(jsonb_array_length(NEW.data -> 'attachments'), 0) > 0, cfg::text,
            to_tsvector(cfg, NEW.body) || to_tsvector('simple', NEW.body))
    ON CONFLICT (message_id) DO UPDATE
       SET author_id = EXCLUDED.author_id, has_file = EXCLUDED.has_file,
           config = EXCLUDED.config, document = EXCLUDED.document;
    RETURN NULL;
END $$;

CREATE TRIGGER chat_message_search_insert AFTER INSERT ON community_roomevent
    FOR EACH ROW WHEN (NEW.kind = 'message') EXECUTE FUNCTION chat_message_search_sync();
CREATE TRIGGER chat_message_search_update AFTER UPDATE ON community_roomevent
    FOR EACH ROW WHEN (NEW.kind = 'message' AND (
        OLD.body IS DISTINCT FROM NEW.body
        OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
        OR OLD.hidden_at IS DISTINCT FROM NEW.hidden_at
        OR OLD.author_id IS DISTINCT FROM NEW.author_id
        OR (OLD.data -> 'attachments') IS DISTINCT FROM (NEW.data -> 'attachments')))
    EXECUTE FUNCTION chat_message_search_sync();

-- Messages stored before the index existed.
INSERT INTO chat_message_search
    (message_id, room_id, author_id, created_at, has_file, config, document)
SELECT e.id, e.room_id, e.author_id, e.created_at,
       coalesce(jsonb_array_length(e.data -> 'attachments'), 0) > 0, cfg.c::text,
       to_tsvector(cfg.c, e.body) || to_tsvector('simple', e.body)
  FROM community_roomevent e
  JOIN community_room r ON r.id = e.room_id
  LEFT JOIN community_community co ON co.id = r.community_id
  CROSS JOIN LATERAL (SELECT coalesce(chat_search_config(
        CASE WHEN jsonb_array_length(co.languages) = 1 THEN co.languages ->> 0 END),
        'simple'::regconfig) AS c) cfg
 WHERE e.kind = 'message' AND e.deleted_at IS NULL AND e.hidden_at IS NULL AND e.body <> '';
"""

DROP = """
DROP TRIGGER IF EXISTS chat_message_search_update ON community_roomevent;
DROP TRIGGER IF EXISTS chat_message_search_insert ON community_roomevent;
DROP FUNCTION IF EXISTS chat_message_search_sync();
DROP FUNCTION IF EXISTS chat_search_config(text);
DROP INDEX IF EXISTS chat_message_search_document;
"""
