-- Each replica keeps the operators' tokens and the catalogue (villages, services) in memory for
-- a few seconds; a change to them is announced on 'slrt_intake_cache_<schema>' with the table's
-- name, so that every replica drops its copy at once (a revoked token stops working as soon as
-- the notification arrives, and within the cache's TTL at worst). One notification per
-- statement: a seed loading 83,000 villages sends one, not 83,000.

CREATE FUNCTION announce_cache_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('slrt_intake_cache_' || TG_TABLE_SCHEMA, TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER operators_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON operators
    FOR EACH STATEMENT EXECUTE FUNCTION announce_cache_change();
CREATE TRIGGER villages_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON villages
    FOR EACH STATEMENT EXECUTE FUNCTION announce_cache_change();
CREATE TRIGGER services_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
    FOR EACH STATEMENT EXECUTE FUNCTION announce_cache_change();
