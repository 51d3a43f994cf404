// The command-line tool's arguments (src/cli/args.hpp): what each command accepts, and the
// message a mistake gets (exit code 2, usage text).
#include "cli/args.hpp"

#include "cli/errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using cb::cli::CliError;
using cb::cli::Command;
using cb::cli::Exit;
using cb::cli::Options;
using cb::cli::parse_args;

namespace {

Options parse(std::vector<const char*> args) {
    args.insert(args.begin(), "chargeback");
    return parse_args(static_cast<int>(args.size()), args.data());
}

// The message of a usage error, or "no error".
std::string error_of(std::vector<const char*> args) {
    try {
        parse(std::move(args));
        return "no error";
    } catch (const CliError& e) {
        EXPECT_EQ(e.code(), Exit::usage);
        return e.what();
    }
}

}  // namespace

TEST(CliArgs, LoadTakesFilesFormatAndConnection) {
    Options o = parse({"-d", "host=/tmp dbname=x", "load", "--format", "openai_chat", "a.jsonl", "-", "b.jsonl"});
    EXPECT_EQ(o.command, Command::load);
    EXPECT_EQ(o.conninfo, "host=/tmp dbname=x");
    EXPECT_EQ(o.format, "openai_chat");
    EXPECT_EQ(o.files, (std::vector<std::string>{"a.jsonl", "-", "b.jsonl"}));
    EXPECT_FALSE(o.progress);

    o = parse({"load", "--format=gemini", "--progress", "x.jsonl", "-dmydb"});
    EXPECT_EQ(o.format, "gemini");
    EXPECT_TRUE(o.progress);
    EXPECT_EQ(o.conninfo, "mydb");
    EXPECT_EQ(parse({"load", "a"}).format, "auto");
    // After "--" a name that starts with a dash is a file.
    EXPECT_EQ(parse({"load", "--", "-odd.jsonl"}).files, std::vector<std::string>{"-odd.jsonl"});
}

TEST(CliArgs, PeriodsAreFirstDaysOfMonths) {
    EXPECT_TRUE(cb::cli::valid_period("2026-11-01"));
    EXPECT_TRUE(cb::cli::valid_period("2000-01-01"));
    EXPECT_FALSE(cb::cli::valid_period("2026-11-02"));
    EXPECT_FALSE(cb::cli::valid_period("2026-13-01"));
    EXPECT_FALSE(cb::cli::valid_period("2026-00-01"));
    EXPECT_FALSE(cb::cli::valid_period("2026-1-01"));
    EXPECT_FALSE(cb::cli::valid_period("26-11-01"));
    EXPECT_FALSE(cb::cli::valid_period("2026-11-01x"));
    EXPECT_EQ(parse({"report", "--period", "2026-11-01"}).period, "2026-11-01");
    Options s = parse({"statements", "--period=2026-10-01", "--out", "/tmp/st"});
    EXPECT_EQ(s.command, Command::statements);
    EXPECT_EQ(s.out_dir, "/tmp/st");
}

TEST(CliArgs, DemoDefaultsAndOptions) {
    Options d = parse({"demo"});
    EXPECT_EQ(d.requests, 200000u);
    EXPECT_EQ(d.seed, 2026u);
    EXPECT_EQ(d.out_dir, "chargeback-statements");
    d = parse({"demo", "--requests", "5000", "--seed=7", "--out", "st"});
    EXPECT_EQ(d.requests, 5000u);
    EXPECT_EQ(d.seed, 7u);
    EXPECT_EQ(d.out_dir, "st");
}

TEST(CliArgs, HelpWinsOverEverythingElse) {
    EXPECT_EQ(parse({"--help"}).command, Command::help);
    EXPECT_EQ(parse({"load", "-h"}).command, Command::help);
    EXPECT_EQ(parse({"help"}).command, Command::help);
    EXPECT_NE(cb::cli::usage_text().find("Exit codes"), std::string::npos);
}

TEST(CliArgs, MistakesAreNamed) {
    EXPECT_EQ(error_of({}), "no command given");
    EXPECT_EQ(error_of({"lode", "x"}), "unknown command \"lode\"");
    EXPECT_EQ(error_of({"load"}), "load needs at least one FILE (or - for standard input)");
    EXPECT_EQ(error_of({"load", "-", "-"}), "standard input (-) can be read only once");
    EXPECT_EQ(error_of({"load", "--format"}), "--format needs a value");
    EXPECT_EQ(error_of({"load", "--format", "Open AI", "x"}),
              "--format needs a format name such as openai_chat or auto, not \"Open AI\"");
    EXPECT_EQ(error_of({"load", "--progress", "--quiet", "x"}), "--progress and --quiet contradict each other");
    EXPECT_EQ(error_of({"load", "--frobnicate", "x"}), "unknown option \"--frobnicate\"");
    EXPECT_EQ(error_of({"report"}), "report needs --period YYYY-MM-01");
    EXPECT_EQ(error_of({"report", "--period", "2026-11-15"}),
              "--period needs the first day of a month, YYYY-MM-01, not \"2026-11-15\"");
    EXPECT_EQ(error_of({"report", "--period", "2026-11-01", "extra"}), "unexpected argument \"extra\"");
    EXPECT_EQ(error_of({"statements", "--period", "2026-11-01"}), "statements needs --out DIR");
    EXPECT_EQ(error_of({"report", "--period", "2026-11-01", "--out", "x"}), "--out is not an option of this command");
    EXPECT_EQ(error_of({"demo", "--requests", "0"}), "--requests needs at least 1");
    EXPECT_EQ(error_of({"demo", "--requests", "lots"}), "--requests needs a whole number, not \"lots\"");
    EXPECT_EQ(error_of({"demo", "--seed", "99999999999999999999"}),
              "--seed needs a whole number, not \"99999999999999999999\"");
}

TEST(CliArgs, ServeListenTokensTls) {
    Options o = parse({"-d", "db", "serve"});
    EXPECT_EQ(o.command, Command::serve);
    EXPECT_EQ(o.listen_host, "127.0.0.1");
    EXPECT_EQ(o.listen_port, 4318);
    o = parse({"serve", "--listen", "0.0.0.0:14318", "--tokens=/etc/cb/tokens", "--workers", "3", "--flush-ms", "20"});
    EXPECT_EQ(o.listen_host, "0.0.0.0");
    EXPECT_EQ(o.listen_port, 14318);
    EXPECT_EQ(o.tokens_file, "/etc/cb/tokens");
    EXPECT_EQ(o.workers, 3u);
    EXPECT_EQ(o.flush_ms, 20u);
    o = parse({"serve", "--listen", "[::1]:4318", "--tls-cert", "c.pem", "--tls-key", "k.pem"});
    EXPECT_EQ(o.listen_host, "::1");
    EXPECT_EQ(o.tls_key, "k.pem");
    EXPECT_EQ(error_of({"serve", "--listen", "4318"}), "--listen needs HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, not \"4318\"");
    EXPECT_EQ(error_of({"serve", "--listen", "::1:4318"}), "--listen needs HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, not \"::1:4318\"");
    EXPECT_EQ(error_of({"serve", "--listen", "h:70000"}), "--listen needs HOST:PORT such as 127.0.0.1:4318 or [::1]:4318, not \"h:70000\"");
    EXPECT_EQ(error_of({"serve", "--tls-cert", "c.pem"}), "--tls-cert and --tls-key go together");
    EXPECT_EQ(error_of({"serve", "--workers", "0"}), "--workers needs 1 to 64");
    EXPECT_EQ(error_of({"load", "--listen", "a:1", "f"}), "--listen is not an option of this command");
}

TEST(CliArgs, ExportFocusTakesPeriodVersionAndFile) {
    Options o = parse({"export", "focus", "--period", "2023-03-01", "--out", "march.csv"});
    EXPECT_EQ(o.command, Command::export_focus);
    EXPECT_EQ(o.period, "2023-03-01");
    EXPECT_EQ(o.focus_version, "1.4");  // the latest released FOCUS version by default
    EXPECT_EQ(o.out_file, "march.csv");
    o = parse({"-d", "db", "export", "focus", "--version=1.2", "--period=2023-03-01", "--out", "-", "--quiet"});
    EXPECT_EQ(o.focus_version, "1.2");
    EXPECT_EQ(o.out_file, "-");
    EXPECT_TRUE(o.quiet);
}

TEST(CliArgs, ExportFocusMistakesAreNamed) {
    EXPECT_EQ(error_of({"export"}), "export needs what to export: export focus");
    EXPECT_EQ(error_of({"export", "showback"}), "cannot export \"showback\": export focus is the one export");
    EXPECT_EQ(error_of({"export", "focus", "--out", "a.csv"}), "export focus needs --period YYYY-MM-01");
    EXPECT_EQ(error_of({"export", "focus", "--period", "2023-03-01"}), "export focus needs --out FILE.csv");
    EXPECT_EQ(error_of({"export", "focus", "--period", "2023-03-15", "--out", "a.csv"}),
              "--period needs the first day of a month, YYYY-MM-01, not \"2023-03-15\"");
    EXPECT_EQ(error_of({"export", "focus", "--period", "2023-03-01", "--version", "1.3", "--out", "a.csv"}),
              "--version needs a FOCUS version this export supports, 1.2 or 1.4, not \"1.3\"");
    EXPECT_EQ(error_of({"export", "focus", "--period", "2023-03-01", "--out", "a.parquet"}),
              "Parquet output is not supported: write CSV (--out FILE.csv)");
    EXPECT_EQ(error_of({"export", "focus", "--period", "2023-03-01", "--out", "a.txt"}),
              "--out needs a .csv file (or - for standard output), not \"a.txt\"");
    EXPECT_EQ(error_of({"report", "--period", "2023-03-01", "--version", "1.2"}), "--version is not an option of this command");
}
