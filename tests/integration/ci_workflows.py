#!/usr/bin/env python3
"""ci_workflows.py PROJECT [KBTF_GIT KBTF_REF [source]]: what test_new.sh checks in the
GitHub Actions workflow and the GitLab CI file "kbtf new" wrote.

GitHub Actions and GitLab cannot run here; what they would get wrong can be
read from the files: a cache path the container never writes, a JUnit check
without the permission to write it, kbtf built in every job. One line per
check on stdout, "PASS<TAB>what" or "FAIL<TAB>what<TAB>why"; test_new.sh
counts them. With KBTF_GIT and KBTF_REF, the kbtf build jobs must default
to those (what kbtf new was told or found); empty strings mean none known.
"""
import fnmatch
import re
import sys

import yaml

project = sys.argv[1]
want_git = sys.argv[2] if len(sys.argv) > 2 else None
want_ref = sys.argv[3] if len(sys.argv) > 3 else None
# "source": a project checked already but for where kbtf comes from; only
# those checks, and failures, are printed
source_only = len(sys.argv) > 4 and sys.argv[4] == "source"


def check(what, ok, why=""):
    if source_only and ok and "KBTF_GIT" not in what and "KBTF_REF" not in what:
        return
    print(("PASS\t%s" % what) if ok else ("FAIL\t%s\t%s" % (what, why)))


def runs(job):
    """Every shell line the job's steps run, joined."""
    return "\n".join(s.get("run", "") for s in job.get("steps", []) if isinstance(s, dict))


def uses(job, action):
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action + "@")]


# ------------------------------------------------------------ GitHub Actions
gh_path = project + "/.github/workflows/kbtf.yml"
gh_text = open(gh_path).read()
gh = yaml.safe_load(gh_text)
jobs = gh["jobs"]

# permissions: read-only at the top, checks: write where the JUnit check is published
top = gh.get("permissions", {})
check("github: the workflow's token is read-only by default",
      isinstance(top, dict) and top.get("contents") == "read" and
      all(v in ("read", "none") for v in top.values()), "permissions: %r" % top)
junit_jobs = [n for n, j in jobs.items() if uses(j, "mikepenz/action-junit-report")]
check("github: one job publishes the JUnit check", len(junit_jobs) == 1, "jobs: %r" % junit_jobs)
for n in junit_jobs:
    perms = jobs[n].get("permissions", {})
    check("github: job '%s' may write checks (permissions: checks: write)" % n,
          isinstance(perms, dict) and perms.get("checks") == "write", "permissions: %r" % perms)
    step = uses(jobs[n], "mikepenz/action-junit-report")[0]
    cond = str(step.get("if", ""))
    check("github: the JUnit check is skipped for pull requests from forks (read-only token)",
          "head.repo.full_name" in cond and "github.repository" in cond, "if: %r" % cond)

# the host path of the workspace reaches no container
container_jobs = [n for n, j in jobs.items() if "container" in j]
check("github: the kbtf and group jobs run in containers", len(container_jobs) >= 2,
      "container jobs: %r" % container_jobs)
check("github: no workflow-wide env (it would reach the container jobs)",
      "env" not in gh, "env: %r" % gh.get("env"))
for n in container_jobs:
    text = yaml.safe_dump(jobs[n])
    check("github: container job '%s' never uses the github.workspace expression (a host path there)" % n,
          "github.workspace" not in text, re.findall(r".*github\.workspace.*", text))

# the group jobs: cache where kbtf writes, kbtf from the build job's artifact
group_jobs = [n for n, j in jobs.items() if re.search(r"kbtf-matrix\.sh group\b", runs(j))]
build_jobs = [n for n, j in jobs.items() if re.search(r"kbtf-matrix\.sh build-kbtf\b", runs(j))]
check("github: one job runs the matrix groups", len(group_jobs) == 1, "jobs: %r" % group_jobs)
check("github: one job builds kbtf (build-kbtf)", len(build_jobs) == 1, "jobs: %r" % build_jobs)
if len(group_jobs) == 1 and len(build_jobs) == 1:
    g, b = jobs[group_jobs[0]], jobs[build_jobs[0]]
    grun, brun = runs(g), runs(b)
    m = re.search(r'export XDG_CACHE_HOME="\$GITHUB_WORKSPACE/([^"]+)"', grun)
    check("github: the group step puts kbtf's store under the workspace, from the shell's $GITHUB_WORKSPACE",
          m is not None, grun)
    caches = uses(g, "actions/cache")
    paths = [c.get("with", {}).get("path", "") for c in caches]
    check("github: the group job caches one path", len(paths) == 1, "paths: %r" % paths)
    if m and len(paths) == 1:
        check("github: ... and it is the store kbtf writes ($XDG_CACHE_HOME/kbtf), workspace-relative",
              paths[0] == m.group(1) + "/kbtf" and not paths[0].startswith("/"),
              "cache path %r, XDG_CACHE_HOME $GITHUB_WORKSPACE/%s" % (paths[0], m.group(1)))
        key = caches[0].get("with", {}).get("key", "")
        restore = str(caches[0].get("with", {}).get("restore-keys", ""))
        check("github: the cache key is per group and a changed matrix restores the last store",
              "matrix.group" in key and restore and key.startswith(restore.strip()),
              "key %r, restore-keys %r" % (key, restore))
    # the build job's artifact, downloaded by the group job before setup installs it
    mb = re.search(r"build-kbtf\s+(\S+)", brun)
    ups = [u.get("with", {}) for u in uses(b, "actions/upload-artifact")]
    up = [u for u in ups if mb and u.get("path") == mb.group(1)]
    check("github: the build job uploads what build-kbtf made", len(up) == 1,
          "build-kbtf %s, uploads %r" % (mb and mb.group(1), ups))
    needs = g.get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    check("github: the group job needs the build job", build_jobs[0] in needs, "needs: %r" % needs)
    if up:
        name = up[0].get("name")
        downs = [d.get("with", {}) for d in uses(g, "actions/download-artifact")]
        down = [d for d in downs if d.get("name") == name]
        check("github: the group job downloads that artifact", len(down) == 1,
              "artifact %r, downloads %r" % (name, downs))
        ms = re.search(r"kbtf-matrix\.sh setup\s+(\S+)", grun)
        check("github: ... and setup installs kbtf from where it landed",
              down and ms and ms.group(1) == down[0].get("path"),
              "downloaded to %r, setup %r" % (down and down[0].get("path"), ms and ms.group(1)))
        # the report job merges the groups' artifacts only
        for n in junit_jobs:
            pats = [d.get("with", {}).get("pattern") for d in uses(jobs[n], "actions/download-artifact")]
            pats = [p for p in pats if p]
            check("github: the report downloads the groups' results and not kbtf's package",
                  pats and not any(fnmatch.fnmatchcase(name, p) for p in pats) and
                  all(fnmatch.fnmatchcase("kbtf-out-x", p) for p in pats) and
                  any("kbtf-out-" in str(u.get("with", {}).get("name", ""))
                      for u in uses(g, "actions/upload-artifact")),
                  "patterns %r, kbtf artifact %r" % (pats, name))
    # KBTF_GIT: the build job's business alone, with a default from kbtf new
    others = [n for n, j in jobs.items() if n != build_jobs[0] and "KBTF_GIT" in yaml.safe_dump(j)]
    check("github: no job but the build job needs KBTF_GIT", not others, "jobs: %r" % others)
    check("github: setup does not build kbtf in the group job", "build-kbtf" not in grun, grun)
    if want_git is not None:
        env = b.get("env", {})
        check("github: the build job's KBTF_GIT defaults to %r, a repository variable overrides it" % want_git,
              env.get("KBTF_GIT") == "${{ vars.KBTF_GIT || '%s' }}" % want_git, "env: %r" % env)
        check("github: ... and KBTF_REF to %r" % want_ref,
              env.get("KBTF_REF") == "${{ vars.KBTF_REF || '%s' }}" % want_ref, "env: %r" % env)

# ----------------------------------------------------------------- GitLab CI
gl = yaml.safe_load(open(project + "/.gitlab-ci.yml").read())
gjobs = {n: j for n, j in gl.items() if isinstance(j, dict) and "script" in j}


def script(j):
    return "\n".join(j.get("script", []))


gb = [n for n, j in gjobs.items() if "build-kbtf" in script(j)]
gg = [n for n, j in gjobs.items() if re.search(r"kbtf-matrix\.sh group\b", script(j))]
check("gitlab: one job builds kbtf, one runs the groups", len(gb) == 1 and len(gg) == 1,
      "build %r, group %r" % (gb, gg))
if len(gb) == 1 and len(gg) == 1:
    b, g = gjobs[gb[0]], gjobs[gg[0]]
    mb = re.search(r"build-kbtf\s+(\S+)", script(b))
    arts = [p.rstrip("/") for p in b.get("artifacts", {}).get("paths", [])]
    check("gitlab: the build job keeps what build-kbtf made as its artifact",
          mb and mb.group(1).rstrip("/") in arts, "build-kbtf %s, artifacts %r" % (mb and mb.group(1), arts))
    check("gitlab: the group jobs need the build job (and so get its artifact)",
          gb[0] in [n if isinstance(n, str) else n.get("job") for n in g.get("needs", [])],
          "needs: %r" % g.get("needs"))
    ms = re.search(r"kbtf-matrix\.sh setup\s+(\S+)", script(g))
    check("gitlab: setup installs kbtf from that artifact",
          mb and ms and ms.group(1).rstrip("/") == mb.group(1).rstrip("/"), script(g))
    xdg = str(gl.get("variables", {}).get("XDG_CACHE_HOME", ""))
    cpaths = g.get("cache", {}).get("paths", [])
    check("gitlab: the cached path is kbtf's store under $CI_PROJECT_DIR (the job's own path)",
          xdg.startswith("$CI_PROJECT_DIR/") and
          cpaths == [xdg[len("$CI_PROJECT_DIR/"):] + "/kbtf"], "XDG_CACHE_HOME %r, cache %r" % (xdg, cpaths))
    if want_git is not None:
        v = gl.get("variables", {})
        check("gitlab: KBTF_GIT and KBTF_REF default to what kbtf new wrote",
              v.get("KBTF_GIT") == want_git and v.get("KBTF_REF") == want_ref, "variables: %r" % v)
