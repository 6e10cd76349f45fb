"""Where plugins are found: the caller's directories, then the plugins bundled in the
wheel, then ascribe's search path ($ASCRIBE_PLUGIN_PATH, ~/.local/share/ascribe/plugins).

The bundled plugins live inside the extension module; the runtime loads plugins from
files, so they are written once into a directory named by their digest (under
$XDG_CACHE_HOME, else ~/.cache, else the temporary directory) and reused from there.
"""

import hashlib
import os
import tempfile

from . import _native

_dir = None


def _cache_roots():
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        yield xdg
    home = os.path.expanduser("~")
    if home and home != "~":
        yield os.path.join(home, ".cache")
    yield tempfile.gettempdir()


def bundled_dir():
    """The directory of the bundled plugins, written on first use; None if there are none."""
    global _dir
    if _dir is not None:
        return _dir or None
    items = _native.bundled()
    if not items:
        _dir = ""
        return None
    h = hashlib.sha256()
    for name, data in items:
        h.update(name.encode())
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    digest = h.hexdigest()[:16]
    errors = []
    for root in _cache_roots():
        target = os.path.join(root, "ascribe", "bundled-plugins", digest)
        try:
            if not all(
                os.path.isfile(os.path.join(target, f"{n}.wasm")) for n, _ in items
            ):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                tmp = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=".tmp-")
                for name, data in items:
                    with open(os.path.join(tmp, f"{name}.wasm"), "wb") as f:
                        f.write(data)
                try:
                    os.rename(tmp, target)
                except OSError:
                    # Another process got there first: its copy is the same bytes.
                    for name, _ in items:
                        os.remove(os.path.join(tmp, f"{name}.wasm"))
                    os.rmdir(tmp)
            _dir = target
            return target
        except OSError as e:
            errors.append(f"{target}: {e}")
    raise _native.AscribeError(
        "cannot write the bundled plugins anywhere: " + "; ".join(errors)
    )


def search(extra=()):
    dirs = [os.fspath(d) for d in extra]
    b = bundled_dir()
    if b:
        dirs.append(b)
    return dirs
