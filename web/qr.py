"""QR codes as inline SVG: qrcode encodes, and one path element draws the dark modules.

Drawing the path here rather than through qrcode's SVG image factories keeps a
receipt page to a fraction of a millisecond of work on a small device.
"""

from __future__ import annotations

import qrcode
from markupsafe import Markup

BORDER = 2


def qr_svg(text: str, mask_pattern: int | None = 0) -> Markup:
    """An inline, decorative SVG of `text` (the same text is always shown beside it).

    A fixed mask pattern is valid QR and spares the eight-way mask search.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER, mask_pattern=mask_pattern)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    steps = []
    for row, modules in enumerate(matrix):
        column = 0
        while column < size:
            if modules[column]:
                start = column
                while column < size and modules[column]:
                    column += 1
                steps.append(f"M{start} {row}h{column - start}v1h-{column - start}z")
            else:
                column += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" '
        f'role="img" aria-hidden="true" focusable="false" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{"".join(steps)}" fill="#000"/></svg>'
    )
