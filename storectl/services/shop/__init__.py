"""The shop itself: catalogue and imports, settings and changing them (`config`), periods
(`closing`), roles and PINs (`auth`), lookups by code, and the database's upkeep (`maintenance`)."""
