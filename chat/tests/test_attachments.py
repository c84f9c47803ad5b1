"""Patron attachments: checked from their content, stored privately, handed out only as downloads."""

import io
import zipfile

import pytest

from chat import services
from chat.attachments.models import ChatAttachment
from chat.models import Message
from conftest import bring_online

API = "/api/widget/v1"
DESK = "http://127.0.0.1:8000"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000100"
    "05fe02fea70000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    return settings.PRIVATE_STORAGE_ROOT


@pytest.fixture
def chat_and_token(alice):
    bring_online(alice)
    from deskservice.models import Department

    return services.start_chat(department=Department.objects.get(slug="research"), question="Can I send my citation?")


def upload(client, chat, token, name, data, *, origin=DESK):
    return client.post(
        f"{API}/chats/{chat.pk}/attachments",
        {"file": _named(name, data)},
        headers={"Authorization": f"Bearer {token}", "Origin": origin},
    )


def stored_files(root) -> list:
    # Stored files have random names and no extension (chat/attachments/storage.py).
    return [path for path in root.rglob("*") if path.is_file()]


def _named(name, data):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def docx(extra_member=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if extra_member:
            archive.writestr(*extra_member)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_patron_sends_a_pdf_and_it_becomes_a_message_with_the_file(client, chat_and_token, private_root):
    chat, token = chat_and_token
    response = upload(client, chat, token, "citation.pdf", PDF)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["attachment"] == {
        "id": ChatAttachment.objects.get().id,
        "name": "citation.pdf",
        "size": len(PDF),
        "type": "application/pdf",
    }
    assert body["body"].startswith("Sent a file: citation.pdf")
    stored = ChatAttachment.objects.get()
    assert (private_root / "chat" / stored.path).read_bytes() == PDF
    # The helper the refusal tests use finds a stored file (no extension) when there is one.
    assert stored_files(private_root) == [private_root / "chat" / stored.path]
    # The catch-up a reconnecting widget makes carries the file too.
    listed = client.get(f"{API}/chats/{chat.pk}/messages", headers={"Authorization": f"Bearer {token}"}).json()
    assert listed["messages"][-1]["attachment"]["name"] == "citation.pdf"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,data,status,phrase",
    [
        ("empty.txt", b"", 400, "empty"),
        ("cat.png", b"#!/bin/sh\nrm -rf ~\n", 400, "content is not that kind"),
        ("cat.png", b"<script>alert(1)</script>", 400, "content is not that kind"),
        ("page.html", b"<html><script>alert(1)</script></html>", 400, "content is not that kind"),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), 400, "cannot be sent"),
        ("notes.pdf", PNG, 400, "content is not that kind"),
    ],
)
def test_it_refuses_empty_and_mislabeled_files(client, chat_and_token, private_root, name, data, status, phrase):
    chat, token = chat_and_token
    response = upload(client, chat, token, name, data)
    assert response.status_code == status
    assert phrase in response.json()["error"]
    assert response.json()["field"] == "file"
    assert not ChatAttachment.objects.exists()
    assert stored_files(private_root) == []
    assert not Message.objects.filter(chat=chat, sender="patron").exists()


@pytest.mark.django_db
def test_it_refuses_a_file_over_the_size_limit(client, chat_and_token, settings, private_root):
    settings.DESK_ATTACHMENT_MAX_BYTES = 1000
    chat, token = chat_and_token
    response = upload(client, chat, token, "big.txt", b"a" * 1001)
    assert response.status_code == 413
    assert "too large" in response.json()["error"]
    assert not ChatAttachment.objects.exists()
    assert stored_files(private_root) == []


@pytest.mark.django_db
def test_it_refuses_a_zip_bomb_dressed_as_a_word_document(client, chat_and_token, private_root):
    chat, token = chat_and_token
    bomb = docx(("word/media/padding.bin", b"\0" * (20 * 1024 * 1024)))
    assert len(bomb) < 100 * 1024  # small on the wire, 20 MB unpacked
    response = upload(client, chat, token, "essay.docx", bomb)
    assert response.status_code == 400
    assert "zip bomb" in response.json()["error"]
    assert not ChatAttachment.objects.exists()
    assert stored_files(private_root) == []


@pytest.mark.django_db
def test_it_accepts_a_real_word_document_and_an_image(client, chat_and_token):
    chat, token = chat_and_token
    assert upload(client, chat, token, "essay.docx", docx()).status_code == 201
    assert upload(client, chat, token, "screen.png", PNG).status_code == 201
    assert sorted(ChatAttachment.objects.values_list("content_type", flat=True)) == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/png",
    ]


@pytest.mark.django_db
def test_it_refuses_an_upload_without_the_chats_token(client, chat_and_token, private_root):
    chat, _ = chat_and_token
    assert upload(client, chat, "not-the-token", "a.txt", b"hello").status_code == 404
    assert not ChatAttachment.objects.exists()
    assert stored_files(private_root) == []


@pytest.mark.django_db
def test_a_file_cannot_be_sent_after_the_chat_ended(client, chat_and_token, private_root):
    chat, token = chat_and_token
    services.end_chat(chat=chat, ended_by="patron")
    response = upload(client, chat, token, "a.txt", b"hello")
    assert response.status_code == 409
    assert stored_files(private_root) == []


# --- Downloads ------------------------------------------------------------------------------


@pytest.fixture
def sent_png(client, chat_and_token):
    chat, token = chat_and_token
    upload(client, chat, token, "screen.png", PNG)
    return chat, token, ChatAttachment.objects.get()


def assert_download(response, data, name):
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"].startswith("attachment;")
    assert name in response["Content-Disposition"]
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_patron_downloads_their_own_file_with_the_token(client, sent_png):
    chat, token, attachment = sent_png
    response = client.get(
        f"{API}/chats/{chat.pk}/attachments/{attachment.id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert_download(response, PNG, "screen.png")
    assert client.get(f"{API}/chats/{chat.pk}/attachments/{attachment.id}").status_code == 404


@pytest.mark.django_db
def test_a_patron_token_cannot_open_another_chats_attachment(client, sent_png, departments):
    chat, token, attachment = sent_png
    other, other_token = services.start_chat(department=departments["research"], question="Another patron")
    # Their own chat id with someone else's attachment id, and the victim's chat id with their token.
    mine = client.get(
        f"{API}/chats/{other.pk}/attachments/{attachment.id}", headers={"Authorization": f"Bearer {other_token}"}
    )
    theirs = client.get(
        f"{API}/chats/{chat.pk}/attachments/{attachment.id}", headers={"Authorization": f"Bearer {other_token}"}
    )
    assert mine.status_code == 404 and theirs.status_code == 404
    assert "error" in mine.json()


@pytest.mark.django_db
def test_staff_of_the_department_and_supervisors_download_others_do_not(client, sent_png, alice, bob, carmen, sam):
    _, _, attachment = sent_png
    url = f"/desk/api/attachments/{attachment.id}/download"
    assert client.get(url).status_code == 302  # sign in first
    for person, status in [(alice, 200), (bob, 200), (sam, 200), (carmen, 404)]:
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status, person
        if status == 200:
            assert_download(response, PNG, "screen.png")
