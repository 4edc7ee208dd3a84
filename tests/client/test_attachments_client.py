"""PortalClient's attachment calls: against the real portal on loopback (round trip,
progress, refusals) and against httpx.MockTransport (retries, hostile answers)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest

from cc_tui.client.errors import PortalError
from cc_tui.client.portal import PortalClient
from cc_tui.client.transfer import download_name, form_quote, sha256_of_digest
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.server.context import ServerContext
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session
from tests.server.attachment_corpus import MiB, good_name, minimal_pdf, xlsx_bytes

MAKER = "maker@harbour.example"


def signed_in(portal: BackgroundServer, user_id: str = MAKER) -> PortalClient:
    context: ServerContext = portal.context
    with context.db.transaction() as conn:
        token, _ = create_session(conn, user_id, context.now(), context.settings.session_absolute)
    return PortalClient(portal.url, token=token, participant_id="B01234")


async def draft(client: PortalClient, portal: BackgroundServer) -> str:
    context: ServerContext = portal.context
    profile = membership_profile(context.db.connect(), "B01234")
    assert profile is not None
    values = example_values(get_eservice("CT027"), profile, context.now().date())
    return (await client.create_request("CT027", values)).ref


async def test_upload_download_delete_round_trip(
    live_portal: BackgroundServer, tmp_path: Path
) -> None:
    content = minimal_pdf() + b"%" + bytes(range(256)) * (3 * MiB // 256)
    source = tmp_path / "scan.pdf"
    source.write_bytes(content)
    seen: list[tuple[int, int]] = []
    async with signed_in(live_portal) as client:
        ref = await draft(client, live_portal)
        name = good_name(ref)
        attachment = await client.upload_attachment(
            ref, source, name, lambda sent, total: seen.append((sent, total))
        )
        assert (attachment.name, attachment.size) == (name, len(content))
        assert attachment.sha256 == hashlib.sha256(content).hexdigest()
        # Progress climbs from 0 to the whole file, never past it.
        assert seen[0] == (0, len(content)) and seen[-1] == (len(content), len(content))
        assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)

        downloads = tmp_path / "downloads"
        first = await client.download_attachment(ref, attachment.id, downloads)
        second = await client.download_attachment(ref, attachment.id, downloads)
        assert first == downloads / name
        assert second == downloads / f"{name.removesuffix('.pdf')} (2).pdf"
        assert first.read_bytes() == content == second.read_bytes()

        await client.delete_attachment(ref, attachment.id)
        with pytest.raises(PortalError) as gone:
            await client.download_attachment(ref, attachment.id, downloads)
        assert gone.value.status == 404
        assert sorted(p.name for p in downloads.iterdir()) == sorted([first.name, second.name])


async def test_a_refusal_carries_the_portals_detail_and_fix(
    live_portal: BackgroundServer, tmp_path: Path
) -> None:
    source = tmp_path / "book.xlsx"
    source.write_bytes(xlsx_bytes())
    async with signed_in(live_portal) as client:
        ref = await draft(client, live_portal)
        with pytest.raises(PortalError) as refused:
            await client.upload_attachment(ref, source)
    error = refused.value
    assert (error.status, error.code) == (422, "bad_file_name")
    assert error.fix == f"Rename the file: {good_name(ref, 'xlsx')}"
    assert len(error.errors) >= 3


async def test_a_refusal_answered_before_a_large_file_was_sent_still_reaches_the_client(
    live_portal: BackgroundServer, tmp_path: Path
) -> None:
    """The portal refuses the name from the part's headers, while 9 MiB are still on
    their way: the client sees the refusal, not "unreachable" (limits.py drains)."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(minimal_pdf() + b"%" + b"x" * (9 * MiB))
    async with signed_in(live_portal) as client:
        ref = await draft(client, live_portal)
        for _ in range(3):
            with pytest.raises(PortalError) as refused:
                await client.upload_attachment(ref, source)
            assert (refused.value.status, refused.value.code) == (422, "bad_file_name")


async def test_a_dropped_upload_is_sent_again_with_the_same_key(tmp_path: Path) -> None:
    source = tmp_path / "a.pdf"
    source.write_bytes(minimal_pdf())
    keys: list[str] = []
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        bodies.append(request.read())
        if len(keys) == 1:
            raise httpx.RemoteProtocolError("connection dropped")
        body = {"id": "a1", "name": "a.pdf", "size": 1, "sha256": "0" * 64, "content_type": "x"}
        return httpx.Response(201, json=body)

    async with PortalClient("http://portal.test", transport=httpx.MockTransport(handler)) as c:
        attachment = await c.upload_attachment("ECS00000001", source, 'we"ird\n.pdf')
    assert attachment.id == "a1"
    assert len(keys) == 2 and keys[0] == keys[1]
    assert bodies[0] == bodies[1]
    assert b'filename="we%22ird%0A.pdf"' in bodies[0]
    assert minimal_pdf() in bodies[0]


async def test_a_download_never_lands_outside_the_folder_nor_keeps_bad_bytes(
    tmp_path: Path,
) -> None:
    content = b"%PDF-1.4 hello"
    good = f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"
    answers = [
        {"content-disposition": 'attachment; filename="../../evil.pdf"', "repr-digest": good},
        {
            "content-disposition": 'attachment; filename="x.pdf"',
            "repr-digest": "sha-256=:" + "A" * 43 + "=:",
        },
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers=answers.pop(0))

    folder = tmp_path / "downloads"
    async with PortalClient("http://portal.test", transport=httpx.MockTransport(handler)) as c:
        saved = await c.download_attachment("ECS00000001", "a1", folder)
        assert saved == folder / "evil.pdf"
        with pytest.raises(PortalError) as mismatch:
            await c.download_attachment("ECS00000001", "a1", folder)
    assert mismatch.value.code == "bad_download"
    assert sorted(p.name for p in folder.iterdir()) == ["evil.pdf"]
    assert not (tmp_path / "evil.pdf").exists()


def test_names_and_digests_are_read_strictly() -> None:
    assert form_quote('a"b\\c\x00d\x1be') == "a%22b\\\\c%00d\x1be"
    assert download_name(None, "id/../x") == "id_.._x"
    assert download_name("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "f") == "résumé.pdf"
    assert download_name('attachment; filename="..."', "fallback") == "fallback"
    assert sha256_of_digest("md5=:abc=:") is None
    assert sha256_of_digest("sha-256=:not base64!:") is None
    digest = hashlib.sha256(b"x").digest()
    encoded = base64.b64encode(digest).decode()
    assert sha256_of_digest(f"sha-512=:AA==:, sha-256=:{encoded}:") == digest.hex()
