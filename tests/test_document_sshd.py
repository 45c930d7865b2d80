"""The rollback document of an incident on a real OpenSSH fleet whose hosts print Markdown
and HTML: every export shows what they printed as text, and never as a link, an image,
a tag or a heading; a secret a host prints is masked in every format.

Parsed with markdown-it in its GitHub-like mode (tables, strikethrough, bare URLs
linked), as a reviewer's renderer would read the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from console.journal.redact import MASK
from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import HOSTS, Fleet, write_fleet

pytestmark = pytest.mark.sshd

SECRET = "s3cr3t-Deploy-Token-91"
LINK = "[login again](https://evil.example/login)"
IMAGE = "![status](https://evil.example/pixel.png)"
HTML = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(document.cookie)</script>"
BARE = "https://evil.example/bare and www.evil.example"
EMPHASIS = "**urgent** _now_ ~~never~~"
HEADING = "# Root cause: the commander"
HOSTILE = [LINK, IMAGE, HTML, SCRIPT, BARE, EMPHASIS]


def printf(text: str, stream: str = "") -> str:
    """A shell line printing `text` as is (single-quoted, its quotes escaped)."""
    quoted = "'" + text.replace("'", "'\\''") + "'"
    return f"printf '%s\\n' {quoted}{stream}"


SHOUT = "\n".join(printf(t) for t in [*HOSTILE, HEADING, f"token={SECRET}"])
STRATEGIES = {
    "strategies": [
        {
            "name": "noisy",
            "kind": "custom",
            "description": "A restore whose hosts print Markdown and HTML",
            "commands": {"action": SHOUT, "verify": "true"},
        }
    ]
}
ASSESS = "\n".join(
    [printf(f"release={LINK}"), printf(f"banner={HTML}"), printf(f"motd={EMPHASIS}")]
)
FAIL = "\n".join([*(printf(t, " >&2") for t in [*HOSTILE, HEADING, f"token={SECRET}"]), "exit 4"])
PROCEDURE = {
    "name": "Hostile output",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "bridge", "title": "Open the bridge", "kind": "manual"}],
        },
        {
            "phase": "execution",
            "steps": [
                {
                    "id": "assess",
                    "title": "Assess system state",
                    "kind": "command",
                    "records": "assessment",
                    "command": ASSESS,
                },
                {"id": "restore", "title": "Restore", "kind": "strategy"},
                {"id": "check", "title": "Check [the] <b>banner</b>", "kind": "command", "command": FAIL},
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}  # fmt: skip


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {
        "strategies.toml": STRATEGIES,
        "procedure.toml": PROCEDURE,
        "console.toml": {"redact": {"values": [SECRET]}},
    }
    return write_fleet(sshd_server, tmp_path, files, strategies=["noisy"], probes=[])


def tokens(markdown: str) -> list:
    parser = MarkdownIt("gfm-like")
    out = []
    for token in parser.parse(markdown):
        out += [token, *(token.children or [])]
    return out


def emphasised(markdown: str) -> list[str]:
    """Every word the renderer would show bold, italic or struck through."""
    words, depth = [], 0
    for t in tokens(markdown):
        if t.type in ("em_open", "strong_open", "s_open"):
            depth += 1
        elif t.type in ("em_close", "strong_close", "s_close"):
            depth -= 1
        elif depth and t.type == "text":
            words += t.content.split()
    return words


def test_what_hosts_print_is_text_in_every_export_and_secrets_are_masked(fleet: Fleet):
    incident = fleet.state / "incident"
    run = fleet.cli(
        "run", "--systems", "app", "--strategy", "noisy", "--trigger", "unexpected-behaviour",
        "--reason", f"hosts print {LINK}", "--yes", "--journal", str(incident),
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr  # the check step failed, as meant
    documents = {}
    for fmt in ("markdown", "node", "json"):
        done = fleet.cli("export", str(incident), "--format", fmt)
        assert done.returncode == 0, done.stderr
        documents[fmt] = done.stdout

    for fmt, text in documents.items():
        assert SECRET not in text, fmt
        assert MASK in text, fmt
    data = json.loads(documents["json"])  # the data as the hosts printed it
    assert LINK in json.dumps(data, ensure_ascii=False)

    for fmt in ("markdown", "node"):
        text = documents[fmt]
        kinds = {t.type for t in tokens(text)}
        assert not kinds & {"link_open", "image", "html_inline", "html_block"}, fmt
        assert not {"urgent", "now", "never"} & set(emphasised(text)), fmt
        headings = [
            t.content for t in tokens(text) if t.type == "inline" and "Root cause:" in t.content
        ]
        assert headings == [], fmt  # the host's "# Root cause" is no heading

        shown = "\n".join(
            t.content for t in tokens(text) if t.type in ("text", "code_inline", "fence")
        )
        rendered = re.sub(r"\s+", " ", shown)
        for hostile in (LINK, HTML, EMPHASIS):
            assert hostile in rendered, (fmt, hostile)  # shown, character for character

    markdown = documents["markdown"]
    systems = markdown.split("## Systems affected")[1].split("\n## ")[0]
    assert f"| release | {LINK}" not in systems  # escaped, not raw
    assert "\\[login again\\](https\\://evil.example/login)" in systems
    failures = markdown.split("## Failures")[1].split("\n## ")[0]
    assert f"### {', '.join(HOSTS)} · Check \\[the\\] \\<b>banner\\</b>" in failures
    assert SCRIPT in failures  # inside the stderr's fenced block: shown, never run
    assert f"token={MASK}" in failures
    # Each host ran from its own work directory: one command per stage, the directories said.
    steps = markdown.split("## Resolution steps")[1].split("\n## ")[0]
    assert steps.count("action (each host from its workdir: ") == 1
    for listed in re.findall(r"each host from its workdir: ([^)]*)\)", steps):
        assert listed.split(", ") == sorted(listed.split(", "))  # not the hosts' start order
    assert steps.count("cd -- ") == 0


def test_a_command_naming_each_host_is_shown_once_with_every_hosts_outcome(
    sshd_server, tmp_path: Path
):
    """A real run of a strategy whose commands name {{host}}: each host got its own
    command (journalled as sent), and the document shows each stage once, as the first
    host got it, saying how many got it alike; every host's outcome is in it."""
    strategies = {
        "strategies": [
            {
                "name": "named",
                "kind": "custom",
                "description": "Write the host's release marker",
                "commands": {
                    "precheck": "test -d . && echo checking {{host}}",
                    "action": 'echo 2.4.0 > release\nlogger -t rollback "{{host}} back on 2.4.0"',
                    "verify": "grep -q 2.4.0 release",
                },
            }
        ]
    }
    procedure = {
        "name": "Named",
        "phases": [
            {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
            {"phase": "execution", "steps": [{"id": "restore", "title": "Restore", "kind": "strategy"}]},
            {"phase": "post", "steps": [{"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}]},
        ],
    }  # fmt: skip
    files = {"strategies.toml": strategies, "procedure.toml": procedure}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["named"], probes=[])
    incident = fleet.state / "incident"
    run = fleet.cli(
        "run", "--systems", "app", "--strategy", "named", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(incident),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    sent = [
        (e.where.host, e.data.command)
        for e in read_journal(incident).events
        if e.kind == Kind.COMMAND_INTENT and e.data.stage == "action"
    ]
    assert sorted(h for h, _ in sent) == list(HOSTS)
    assert all(f'"{h} back on 2.4.0"' in command for h, command in sent)  # as each got it

    markdown = fleet.cli("export", str(incident), "--format", "markdown").stdout
    steps = markdown.split("## Resolution steps")[1].split("\n## ")[0]
    assert steps.count("```sh") == 3, steps  # precheck, action, verify: once each
    assert (
        "   action (as sent to app-1; each of the 2 hosts got it with its own name in place"
        " of “app-1”; each host from its workdir: "
    ) in steps, steps
    assert 'logger -t rollback "app-1 back on 2.4.0"' in steps
    assert "app-2 back on" not in steps
    systems = markdown.split("## Systems affected")[1].split("\n## ")[0]
    for host in HOSTS:
        assert f"| {host} | ✔ succeeded |" in systems
