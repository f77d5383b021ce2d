package dev.apiary.impl.cdi;

import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Storages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;

/** {@link Storages} from the {@link RuntimeDirectory}: the references the workers use too. */
@ApplicationScoped
public class DirectoryStorages implements Storages {

    @Inject
    RuntimeDirectory directory;

    @Override
    public List<JobStorage<?>> all() {
        return directory.storages().stream().<JobStorage<?>>map(directory::storage).toList();
    }
}
