package org.speclab.ui;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.speclab.library.ModelLibrary;

/**
 * Tells the library when files appear in or leave its folders (a download finishing, a job's
 * output), at most once a second, so the list never needs a manual rescan. Sub-folders are
 * watched too, as deep as the library looks for models (Hugging Face keeps each model in its own).
 */
final class FolderWatcher {
    /** Beyond this many folders (a huge cache), only the first ones found are watched; Rescan still sees everything. */
    static final int MAX_FOLDERS = 2000;

    private final Runnable onChange;
    private final Map<Path, WatchKey> watched = new HashMap<>();
    private WatchService service;

    FolderWatcher(Runnable onChange) {
        this.onChange = onChange;
    }

    /** Watches exactly {@code folders} and their sub-folders from now on; walks the disk, so call it off the JavaFX thread. */
    synchronized void watch(List<Path> folders) {
        try {
            if (service == null) {
                service = FileSystems.getDefault().newWatchService();
                Thread t = new Thread(this::loop, "library-watch");
                t.setDaemon(true);
                t.start();
            }
            Set<Path> wanted = new LinkedHashSet<>();
            for (Path f : folders) collect(f.toAbsolutePath().normalize(), wanted);
            watched.entrySet().removeIf(e -> {
                if (wanted.contains(e.getKey())) return false;
                e.getValue().cancel();
                return true;
            });
            for (Path p : wanted) {
                if (!watched.containsKey(p)) {
                    watched.put(p, p.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                            StandardWatchEventKinds.ENTRY_MODIFY));
                }
            }
        } catch (IOException e) {
            // watching is a convenience: without it the Rescan button still works
        }
    }

    synchronized Set<Path> watched() {
        return Set.copyOf(watched.keySet());
    }

    private static void collect(Path root, Set<Path> into) {
        if (!Files.isDirectory(root)) return;
        try (Stream<Path> s = Files.walk(root, ModelLibrary.MAX_DEPTH)) {
            s.filter(Files::isDirectory).limit(Math.max(0, MAX_FOLDERS - into.size())).forEach(into::add);
        } catch (IOException | java.io.UncheckedIOException e) {
            into.add(root); // an unreadable sub-folder: watch what can be watched
        }
    }

    private void loop() {
        while (true) {
            try {
                WatchKey key = service.take();
                Thread.sleep(1000); // let a burst of events (a file being written) settle
                key.pollEvents();
                while (true) {
                    WatchKey more = service.poll();
                    if (more == null) break;
                    more.pollEvents();
                    more.reset();
                }
                key.reset();
                onChange.run();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // keep watching
            }
        }
    }
}
