"""JupyterHub for a KCDC masterclass of about 24 students on one server.

Start it with ``jupyterhub -f deploy/jupyterhub_config.py`` (see deploy/README.md). Every setting a tutor is likely
to change is an environment variable, so this file can stay as it is:

=========================  =================================================================  ========================
variable                   meaning                                                            default
=========================  =================================================================  ========================
KCDC_HUB_ROOT              folder of the hub's state: database, cookie secret, student homes  /srv/kcdc-hub
KCDC_HUB_IP / _PORT        address and port the students open                                 all interfaces, 8000
KCDC_HUB_AUTH              ``shared`` (one class password), ``native`` (students sign up,     shared
                           a tutor approves), ``dummy`` (any password; tests only)
KCDC_HUB_PASSWORD          the class password for ``shared`` (8 characters or more)
KCDC_HUB_ADMIN_PASSWORD    the tutors' password for ``shared`` (32 characters or more:
                           JupyterHub refuses shorter ones; make one with
                           ``python -c "import secrets; print(secrets.token_urlsafe(32))"``)
KCDC_HUB_ADMINS            tutors' user names, comma-separated                                tutor
KCDC_HUB_LANG              language of the notebooks and of JupyterLab: ``en`` or ``de``      en
KCDC_HUB_SPAWNER           ``simple`` (processes of the hub's user, homes below the hub       simple
                           root), ``systemd`` (one system user per student, made by
                           ``deploy/create_students.sh``, with enforced limits; needs
                           jupyterhub-systemdspawner, hub as root)
KCDC_HUB_MEM_LIMIT         memory per student                                                 2G
KCDC_HUB_CPU_LIMIT         cores per student                                                  1
KCDC_HUB_IDLE_TIMEOUT      stop a student's server after this many idle seconds              3600
KCDC_HUB_ADMIN_TOKEN       an API token with admin rights (for scripts and the tests)         none
KCDC_HEP_CACHE_DIR         the shared folder with the pre-generated class samples             the hub's user cache
KCDC_HEP_DATA_FILES        further files for every student's data/ (os.pathsep-separated)
=========================  =================================================================  ========================

At each spawn, a pre-spawn hook calls :func:`kcdc_hep.classroom.lab.prepare_workspace`: the student's
``~/kcdc-masterclass`` gets the notebooks (never overwriting the student's own edited copies), ``data/`` with
links to the shared samples and ``work/``. After logging in, a student lands in JupyterLab there: the hub starts the
server by itself (no "Start My Server" page).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by JupyterHub

ROOT = Path(os.environ.get("KCDC_HUB_ROOT", "/srv/kcdc-hub")).resolve()
ROOT.mkdir(parents=True, exist_ok=True)
WORKSPACE = "kcdc-masterclass"  # folder in each student's home
ADMINS = {a.strip() for a in os.environ.get("KCDC_HUB_ADMINS", "tutor").split(",") if a.strip()}

# ---------------------------------------------------------------------------------------------- the hub itself
c.JupyterHub.ip = os.environ.get("KCDC_HUB_IP", "")
c.JupyterHub.port = int(os.environ.get("KCDC_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
if os.environ.get("KCDC_HUB_API_PORT"):
    c.JupyterHub.hub_port = int(os.environ["KCDC_HUB_API_PORT"])
if os.environ.get("KCDC_HUB_PROXY_API_PORT"):
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(os.environ['KCDC_HUB_PROXY_API_PORT'])}"
c.JupyterHub.db_url = f"sqlite:///{ROOT / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(ROOT / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(ROOT / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # a stopped hub stops the students' servers too
# after login a student goes to their own server (JupyterHub's default); a server that is not running is started at
# once instead of showing a "Start My Server" button, and it opens JupyterLab (Spawner.default_url below)
c.JupyterHub.implicit_spawn_seconds = 0.1
LANG = os.environ.get("KCDC_HUB_LANG", "en")
if LANG not in ("en", "de"):
    raise ValueError(f"KCDC_HUB_LANG={LANG!r}: use 'en' or 'de'")
#: JupyterHub refuses a shared admin password shorter than this
ADMIN_PASSWORD_MIN = 32

# ---------------------------------------------------------------------------------------------- who may log in
auth = os.environ.get("KCDC_HUB_AUTH", "shared")
if auth == "shared":
    # one class password on the board, any user name: right for a one-day class
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = os.environ.get("KCDC_HUB_PASSWORD", "")
    admin_password = os.environ.get("KCDC_HUB_ADMIN_PASSWORD", "")
    if admin_password and len(admin_password) < ADMIN_PASSWORD_MIN:
        raise ValueError(
            f"KCDC_HUB_ADMIN_PASSWORD has {len(admin_password)} characters; JupyterHub needs {ADMIN_PASSWORD_MIN} or "
            'more. Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    if admin_password:
        c.SharedPasswordAuthenticator.admin_password = admin_password
    c.Authenticator.allow_all = True
elif auth == "native":
    # students sign up at /hub/signup with their own password; a tutor approves them at /hub/authorize
    c.JupyterHub.authenticator_class = "native"
    c.NativeAuthenticator.open_signup = False
    c.NativeAuthenticator.minimum_password_length = 8
    c.Authenticator.allow_all = True
elif auth == "dummy":
    # any user name, any password: for tests on localhost only, never on a network
    c.JupyterHub.authenticator_class = "dummy"
    c.Authenticator.allow_all = True
else:
    raise ValueError(f"KCDC_HUB_AUTH={auth!r}: use 'shared', 'native' or 'dummy'")
c.Authenticator.admin_users = ADMINS

# ---------------------------------------------------------------------------------------------- students' servers
MEM_LIMIT = os.environ.get("KCDC_HUB_MEM_LIMIT", "2G")
CPU_LIMIT = float(os.environ.get("KCDC_HUB_CPU_LIMIT", "1"))
spawner = os.environ.get("KCDC_HUB_SPAWNER", "simple")
if spawner == "simple":
    # one process per student, all as the hub's user, homes in KCDC_HUB_ROOT/homes; limits are not enforced
    # (use "systemd" for that)
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(ROOT / "homes" / "{username}")
elif spawner == "systemd":
    # pip install jupyterhub-systemdspawner; the hub runs as root; students are system users (student01 ...) made by
    # deploy/create_students.sh; each server is a transient systemd unit whose memory and CPU limits are enforced
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
else:
    raise ValueError(f"KCDC_HUB_SPAWNER={spawner!r}: use 'simple' or 'systemd'")

c.Spawner.mem_limit = MEM_LIMIT  # enforced by the systemd spawner
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]  # the hub's environment, with kcdc_hep
c.Spawner.notebook_dir = f"~/{WORKSPACE}"
if hasattr(os, "geteuid") and os.geteuid() == 0 and spawner == "simple":
    c.Spawner.args = ["--ServerApp.allow_root=True"]
_shared = {
    # read-only shared samples (and their parse cache), one thread per student for scikit-learn, quiet kernels
    "KCDC_HEP_CACHE_DIR": os.environ.get("KCDC_HEP_CACHE_DIR", ""),
    "KCDC_HEP_DEFAULT_SCALE": os.environ.get("KCDC_HEP_DEFAULT_SCALE", "1.0"),
    "KCDC_HEP_ML_THREADS": "1",
    "OMP_NUM_THREADS": str(max(1, int(CPU_LIMIT))),
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
c.Spawner.environment = {k: v for k, v in _shared.items() if v}


def _home(spawner: object) -> Path:
    """A student's home as the spawner sees it (the simple spawner's template, else the user's home)."""
    template = getattr(spawner, "home_dir_template", None)
    name = spawner.user.name  # type: ignore[attr-defined]
    if template:
        return Path(template.format(username=name))
    return Path(os.path.expanduser(f"~{name}"))


def _lab_settings(spawner: object) -> str:
    """JupyterLab's settings of a student's workspace (its language), for JUPYTERLAB_SETTINGS_DIR."""
    from kcdc_hep.classroom.lab import lab_settings_dir

    return str(lab_settings_dir(_home(spawner) / WORKSPACE))


if LANG != "en":
    c.Spawner.environment["JUPYTERLAB_SETTINGS_DIR"] = _lab_settings  # a callable: evaluated per student


def prepare_student(spawner: object) -> None:
    """Pre-spawn hook: the student's workspace with the notebooks and links to the shared samples."""
    from kcdc_hep.classroom.lab import prepare_workspace

    ws = prepare_workspace(_home(spawner) / WORKSPACE, lang=LANG)  # type: ignore[arg-type]
    spawner.log.info("kcdc_hep workspace for %s: %s", spawner.user.name, ws.path)  # type: ignore[attr-defined]
    if os.geteuid() == 0 and spawner.__class__.__name__ == "SystemdSpawner":
        import pwd

        uid = pwd.getpwnam(spawner.user.name).pw_uid  # type: ignore[attr-defined]
        for folder, dirs, files in os.walk(ws.path):  # the workspace belongs to the student (links stay as they are)
            for entry in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                os.chown(entry, uid, -1, follow_symlinks=False)


c.Spawner.pre_spawn_hook = prepare_student

# ---------------------------------------------------------------------------------------------- services
IDLE_TIMEOUT = int(os.environ.get("KCDC_HUB_IDLE_TIMEOUT", "3600"))
c.JupyterHub.services = [
    {"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}"]},
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
]
if os.environ.get("KCDC_HUB_ADMIN_TOKEN"):
    # an API token with admin rights for scripts (create users, start servers, collect notebooks) and the tests
    c.JupyterHub.services.append({"name": "kcdc-admin", "api_token": os.environ["KCDC_HUB_ADMIN_TOKEN"]})
    c.JupyterHub.load_roles.append({"name": "admin", "services": ["kcdc-admin"]})
