import ScenarioModel
import Testing

/// labrun's first guard on its own SQL: one statement that starts as a read (issue 13).
struct ReadOnlySQLTests {
    @Test(arguments: [
        "SELECT 1",
        "  -- a comment\n select 1 AS ok",
        "/* a /* nested */ comment */ WITH x AS (SELECT 1) SELECT * FROM x",
        "SELECT ';' AS semicolon",
        "SELECT 'it''s; fine'",
        "SELECT \"odd;name\" FROM t",
        "SELECT $$;$$",
        "SELECT $tag$ ; DROP TABLE t; $tag$",
        "SELECT idempotency_key, count(*) FROM tasks WHERE idempotency_key LIKE $1 GROUP BY 1",
        "SELECT 1;",
        "SELECT 1; -- trailing comment\n",
        "VALUES (1), (2)",
        "TABLE tasks",
        "show server_version",
    ])
    func aReadIsAllowed(_ sql: String) {
        #expect(ReadOnlySQL.refusal(sql) == nil)
    }

    @Test(arguments: [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("-- only a comment", "empty"),
        ("COPY (SELECT 1) TO PROGRAM 'id'", "starts with COPY"),
        ("copy tasks to '/tmp/x'", "starts with COPY"),
        ("INSERT INTO t VALUES (1)", "starts with INSERT"),
        ("/* SELECT */ DELETE FROM t", "starts with DELETE"),
        ("-- SELECT\nDROP TABLE t", "starts with DROP"),
        ("DO $$ BEGIN PERFORM 1; END $$", "starts with DO"),
        ("CALL cleanup()", "starts with CALL"),
        ("SET ROLE postgres", "starts with SET"),
        ("BEGIN", "starts with BEGIN"),
        ("SELECT 1; DELETE FROM t", "more than one statement"),
        ("SELECT 'x'';'; DROP TABLE t", "more than one statement"),
        ("SELECT $a$;$a$; COPY t TO PROGRAM 'id'", "more than one statement"),
        ("SELECT 1 /* ; */ ; SELECT 2", "more than one statement"),
        ("(SELECT 1)", "does not start with a keyword"),
    ])
    func anythingElseIsRefused(_ sql: String, _ reason: String) {
        let refusal = ReadOnlySQL.refusal(sql)
        #expect(refusal?.contains(reason) == true, "\(sql): \(refusal ?? "allowed")")
    }
}
