from django.db import models
from django.utils import timezone


class ChatAttachment(models.Model):
    """A file sent in a chat. The chat shows it as a message naming the file; the bytes are in
    PRIVATE_STORAGE_ROOT under a random name, never where the web server publishes files."""

    chat = models.ForeignKey("chat.Chat", on_delete=models.CASCADE, related_name="attachments")
    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="attachment")
    filename = models.CharField(max_length=150)
    # The type found in the content, not the one the browser claimed.
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.filename

    def summary(self) -> dict:
        return {"id": self.id, "name": self.filename, "size": self.size, "type": self.content_type}
