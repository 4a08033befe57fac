"""Dump what Supervisor 4.3.0 makes of a config file, as JSON, without starting anything.

Run with the reference venv's python: `python dump_config.py path/to/supervisord.conf`.

Prints one line of JSON:
  {"ok": {"groups": [...], "messages": [[level, text], ...]}}  or  {"err": "<the ValueError text>"}

Groups come in Supervisor's order (sorted by (priority, name)). Each group has name, priority, kind
(program | heterogeneous | eventlistener | fcgi), processes, plus events/buffer_size/result_handler for pools
and socket/socket_backlog (and socket_mode/socket_owner for unix sockets) for fcgi groups. Each process is a
flat object whose keys and value formats are exactly those of `supervisor::config::render::process_settings`
(values unescaped). Messages are the parse messages in the order supervisord logs them: criticals, warnings,
infos.

Supervisor's config objects do not keep the section, program name, process_num or numprocs of a process, so
small probes wrapped around Supervisor's own functions record them as the parse runs; nothing of Supervisor's
logic is reimplemented here.
"""

import json
import os
import pwd
import signal
import sys


class ConfigError(Exception):
    """Raised in place of Options.usage(), which would print and exit."""


def install_probes(options_module):
    """Wrap Supervisor's functions to record what its config objects forget. Returns the shared record."""
    record = {"group_sequence": 0, "process_num": None, "numprocs": None}

    original_group_init = options_module.ProcessGroupConfig.__init__

    def group_init(self, *args, **kwargs):
        # Creation order tells heterogeneous groups (made first, one per [group:x]) from homogeneous ones.
        original_group_init(self, *args, **kwargs)
        record["group_sequence"] += 1
        self._probe_sequence = record["group_sequence"]

    options_module.ProcessGroupConfig.__init__ = group_init

    original_expand = options_module.expand

    def expand(text, expansions, name):
        # The per-process loop expands `environment` once per process with process_num and numprocs set.
        if name == "environment" and "process_num" in expansions:
            record["process_num"] = expansions["process_num"]
            record["numprocs"] = expansions["numprocs"]
        return original_expand(text, expansions, name)

    options_module.expand = expand

    original_process_init = options_module.ProcessConfig.__init__

    def process_init(self, *args, **kwargs):
        original_process_init(self, *args, **kwargs)
        self._probe_process_num = record["process_num"]
        self._probe_numprocs = record["numprocs"]

    options_module.ProcessConfig.__init__ = process_init

    original_processes_from_section = options_module.ServerOptions.processes_from_section

    def processes_from_section(self, parser, section, group_name, klass=None):
        processes = original_processes_from_section(self, parser, section, group_name, klass)
        if processes:
            numprocs_start = min(process._probe_process_num for process in processes)
        for process in processes:
            process._probe_section = section
            process._probe_program_name = section.split(":", 1)[1].strip()
            process._probe_numprocs_start = numprocs_start
        return processes

    options_module.ServerOptions.processes_from_section = processes_from_section

    original_groups_from_parser = options_module.ServerOptions.process_groups_from_parser

    def process_groups_from_parser(self, parser):
        record["n_group_sections"] = len([s for s in parser.sections() if s.startswith("group:")])
        return original_groups_from_parser(self, parser)

    options_module.ServerOptions.process_groups_from_parser = process_groups_from_parser
    return record


def boolean(value):
    return "true" if value else "false"


def signal_name(number):
    try:
        return signal.Signals(int(number)).name[3:]
    except ValueError:
        return str(int(number))


def user_name(uid):
    if uid is None:
        return "none"
    return pwd.getpwuid(uid).pw_name


def octal(value):
    return "none" if value is None else "%03o" % value


def logfile(value, datatypes):
    if value is datatypes.Automatic:
        return "AUTO"
    if value is None:
        return "NONE"
    return str(value)


def autorestart(value, datatypes):
    if value is datatypes.RestartUnconditionally:
        return "true"
    if value is datatypes.RestartWhenExitUnexpected:
        return "unexpected"
    if value is False:
        return "false"
    raise AssertionError("unknown autorestart value %r" % (value,))


def process_settings(process, group_name, datatypes):
    settings = {
        "name": process.name,
        "group": group_name,
        "section": process._probe_section,
        "program_name": process._probe_program_name,
        "process_num": str(process._probe_process_num),
        "numprocs": str(process._probe_numprocs),
        "numprocs_start": str(process._probe_numprocs_start),
        "command": process.command,
        "priority": str(process.priority),
        "autostart": boolean(process.autostart),
        "autorestart": autorestart(process.autorestart, datatypes),
        "startsecs": str(process.startsecs),
        "startretries": str(process.startretries),
        "exitcodes": ",".join(str(code) for code in process.exitcodes),
        "stopsignal": signal_name(process.stopsignal),
        "stopwaitsecs": str(process.stopwaitsecs),
        "stopasgroup": boolean(process.stopasgroup),
        "killasgroup": boolean(process.killasgroup),
        "user": user_name(process.uid),
        "umask": octal(process.umask),
        "directory": "none" if process.directory is None else process.directory,
        "redirect_stderr": boolean(process.redirect_stderr),
        "serverurl": "AUTO" if process.serverurl is None else process.serverurl,
    }
    for channel in ("stdout", "stderr"):
        settings[channel + "_logfile"] = logfile(getattr(process, channel + "_logfile"), datatypes)
        for key in ("logfile_maxbytes", "logfile_backups", "capture_maxbytes"):
            settings["%s_%s" % (channel, key)] = str(getattr(process, "%s_%s" % (channel, key)))
        for key in ("events_enabled", "syslog"):
            settings["%s_%s" % (channel, key)] = boolean(getattr(process, "%s_%s" % (channel, key)))
    for key, value in (process.environment or {}).items():
        settings["environment." + key] = value
    return settings


def group_record(group, n_group_sections, options_module, datatypes, events):
    record = {"name": group.name, "priority": str(group.priority)}
    if isinstance(group, options_module.EventListenerPoolConfig):
        record["kind"] = "eventlistener"
        # Supervisor keeps the events as a list built from a set, so its order is hash order: sort it.
        record["events"] = sorted(events.getEventNameByType(event) for event in group.pool_events)
        record["buffer_size"] = str(group.buffer_size)
        handler = group.result_handler
        record["result_handler"] = "%s:%s" % (handler.__module__, handler.__name__)
    elif isinstance(group, options_module.FastCGIGroupConfig):
        record["kind"] = "fcgi"
        socket_config = group.socket_config
        record["socket"] = socket_config.url
        backlog = socket_config.get_backlog()
        record["socket_backlog"] = "none" if backlog is None else str(backlog)
        if isinstance(socket_config, datatypes.UnixStreamSocketConfig):
            record["socket_mode"] = octal(socket_config.mode)
            owner = socket_config.owner
            record["socket_owner"] = "none" if owner is None else "%d:%d" % tuple(owner)
    elif group._probe_sequence <= n_group_sections:
        record["kind"] = "heterogeneous"
    else:
        record["kind"] = "program"
    record["processes"] = [
        process_settings(process, group.name, datatypes) for process in group.process_configs
    ]
    return record


def dump(path):
    from supervisor import options as options_module
    from supervisor import datatypes, events

    record = install_probes(options_module)
    server_options = options_module.ServerOptions()

    def usage(message):
        raise ConfigError(str(message))

    server_options.usage = usage
    try:
        server_options.realize(args=["-c", path])
    except ConfigError as error:
        return {"err": str(error)}

    # ProcessGroupConfig.__init__ runs for fcgi groups too; count only plain groups against [group:x] sections.
    plain_groups = sorted(
        (group for group in server_options.process_group_configs
         if type(group) is options_module.ProcessGroupConfig),
        key=lambda group: group._probe_sequence,
    )
    for index, group in enumerate(plain_groups, start=1):
        group._probe_sequence = index
    groups = [
        group_record(group, record.get("n_group_sections", 0), options_module, datatypes, events)
        for group in server_options.process_group_configs
    ]
    messages = (
        [["critical", text] for text in server_options.parse_criticals]
        + [["warn", text] for text in server_options.parse_warnings]
        + [["info", text] for text in server_options.parse_infos]
    )
    return {"ok": {"groups": groups, "messages": messages}}


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s CONFIG\n" % argv[0])
        return 2
    print(json.dumps(dump(argv[1]), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
