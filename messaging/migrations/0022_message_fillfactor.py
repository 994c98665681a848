from django.db import migrations

# A message row is updated four or five times in its first minute (claimed, accepted with its wamid,
# sent, delivered, read). On PostgreSQL an update that changes no indexed column and finds room on
# its row's page is a "HOT" update: it writes no index entry. With the default fillfactor (100) a
# page has no room, so every status update inserted into all thirteen of the table's indexes,
# the message text's trigram index (search) among them: most of what applying a status cost
# (bench/campaign). New pages are now filled to 70 %, leaving room for a row's next versions.
FILLFACTOR = 70


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE messaging_message SET (fillfactor = {FILLFACTOR})")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE messaging_message RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [("messaging", "0021_canned_replies_presence_auto_assignment")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False)]
