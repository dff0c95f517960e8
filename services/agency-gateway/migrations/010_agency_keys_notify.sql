-- Replicas keep the agency of each key they have seen for a few seconds: any change to the keys
-- (a key added, rotated, revoked or deleted, by the admin's command line, the seed or by hand)
-- is announced on the schema's own channel when its transaction commits, and every replica drops
-- what it kept, so a revoked key stops working everywhere at once.
CREATE FUNCTION notify_agency_keys_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('slrt_agency_keys_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER agency_keys_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agency_keys
    FOR EACH STATEMENT EXECUTE FUNCTION notify_agency_keys_changed();
