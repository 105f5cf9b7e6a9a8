"""The station's Flask extensions, created once and bound in the app factory."""

from flask_babel import Babel
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from ..web.database import database

db = database()
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
