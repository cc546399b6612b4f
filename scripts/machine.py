"""What the scripts print about the machine they measured on."""
import platform


def cpu_model() -> str:
    """The CPU model as `lscpu` names it (Linux), else platform.processor()."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
