"""The office's Flask extensions: a database of its own, separate from any station's."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from ...web.database import database

db = database()
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
# Per client address, in memory: an outsider can slow only their own attempts, never lock a named clerk out.
limiter = Limiter(get_remote_address, storage_uri="memory://", default_limits=[])
