"""The patient record: typed models, migrations, opening/upgrading/backing up the database."""

from cramp_dx.store.database import Database, open_database, resolve_url
from cramp_dx.store.errors import NewerSchemaError, StoreError

__all__ = ["Database", "NewerSchemaError", "StoreError", "open_database", "resolve_url"]
