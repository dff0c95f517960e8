-- Replicas keep the routing rules in memory: any change to them (a new version or an override
-- saved or removed through the admin API, the seed, or by hand) is announced on the schema's own
-- channel when its transaction commits, and every replica drops what it kept.
CREATE FUNCTION notify_routing_rules_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('slrt_routing_rules_' || TG_TABLE_SCHEMA, '');
    RETURN NULL;
END
$$;

CREATE TRIGGER routing_rules_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION notify_routing_rules_changed();
